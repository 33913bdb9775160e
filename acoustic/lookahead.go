package acoustic

import (
	"fmt"
	"slices"
)

// WidenLookahead returns a copy of m whose row convolution reads lookahead future frames instead of
// m.Config.Lookahead. The new taps are zero, so the widened model computes exactly what m computes; training it
// further (hark train --init MODEL --lookahead N) then lets the network use the extra future context without
// starting from random weights. Each extra frame adds one output frame (30 ms for the default network) to the
// streaming latency. Narrowing is refused: dropping taps would change what the model computes.
func WidenLookahead(m *Model, lookahead int) (*Model, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	old := m.Config.Lookahead
	if lookahead < old {
		return nil, fmt.Errorf("acoustic: lookahead %d is shorter than the model's %d: narrowing would change its outputs", lookahead, old)
	}
	cfg := m.Config
	cfg.Conv = slices.Clone(cfg.Conv)
	cfg.Lookahead = lookahead
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := &Model{Config: cfg, Vocabulary: Vocabulary{Symbols: slices.Clone(m.Vocabulary.Symbols)}, Features: m.Features}
	for _, t := range m.Weights {
		c := Tensor{Name: t.Name, Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
		if t.Name == "rowconv.w" {
			// Rows are frames t, t+1, …: the new rows for frames beyond the old reach go after the old ones.
			c.Shape[0] = lookahead + 1
			c.Data = append(c.Data, make([]float32, (lookahead-old)*t.Shape[1])...)
		}
		out.Weights = append(out.Weights, c)
	}
	if err := out.Check(); err != nil {
		return nil, err
	}
	return out, nil
}
