package train

import (
	"errors"
	"fmt"
	"math"
)

// Schedule gives the learning rate of each update: a linear warm-up from zero to Peak over Warmup updates, then a
// decay chosen by Decay:
//
//   - "cosine" (the default): half a cosine from Peak down to Min, reached at update Total and held after it.
//     Good when the length of the run is known (epochs × batches).
//   - "invsqrt": Peak·sqrt(Warmup/step), floored at Min. Needs no run length, so it suits open-ended runs that are
//     stopped by time or early stopping.
//   - "constant": Peak after the warm-up.
type Schedule struct {
	Peak   float64
	Min    float64
	Warmup int
	Total  int
	Decay  string
}

// Decay names accepted by Schedule.
const (
	DecayCosine   = "cosine"
	DecayInvSqrt  = "invsqrt"
	DecayConstant = "constant"
)

// Validate reports a schedule that cannot produce sensible rates.
func (s Schedule) Validate() error {
	switch s.Decay {
	case "", DecayCosine, DecayInvSqrt, DecayConstant:
	default:
		return fmt.Errorf("train: unknown learning-rate decay %q (want cosine, invsqrt or constant)", s.Decay)
	}
	if !(s.Peak > 0) || math.IsInf(s.Peak, 0) {
		return fmt.Errorf("train: learning rate %v must be positive", s.Peak)
	}
	if s.Min < 0 || s.Min > s.Peak {
		return fmt.Errorf("train: minimum learning rate %v outside [0, %v]", s.Min, s.Peak)
	}
	if s.Warmup < 0 || s.Total < 0 {
		return errors.New("train: negative warm-up or total steps")
	}
	return nil
}

// Rate is the learning rate of update number step (1 for the first update).
func (s Schedule) Rate(step int) float64 {
	if step < 1 {
		step = 1
	}
	if s.Warmup > 0 && step <= s.Warmup {
		return s.Peak * float64(step) / float64(s.Warmup)
	}
	switch s.Decay {
	case DecayConstant:
		return s.Peak
	case DecayInvSqrt:
		w := max(s.Warmup, 1)
		return max(s.Peak*math.Sqrt(float64(w)/float64(step)), s.Min)
	default:
		span := s.Total - s.Warmup
		if span <= 0 {
			return s.Peak
		}
		p := min(float64(step-s.Warmup)/float64(span), 1)
		return s.Min + (s.Peak-s.Min)*0.5*(1+math.Cos(math.Pi*p))
	}
}

// Adam is the Adam optimiser (Kingma & Ba, with bias correction) with global gradient-norm clipping and a
// learning-rate schedule. Frozen parameters are neither clipped nor updated and do not count in the norm, so
// fine-tuning the upper layers behaves as if the frozen ones were constants.
type Adam struct {
	Beta1, Beta2, Eps float64
	// Clip is the largest global L2 norm of the gradient; larger gradients are scaled down to it. 0 turns it off.
	Clip     float64
	Schedule Schedule

	step int                  // updates made so far
	m, v map[string][]float32 // first and second moments by parameter name
}

// NewAdam returns Adam with the usual β1 = 0.9, β2 = 0.999, ε = 1e-8.
func NewAdam(s Schedule, clip float64) *Adam {
	return &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Clip: clip, Schedule: s}
}

// ErrNonFinite is returned by Update when the gradient holds a NaN or an infinity; nothing is changed then.
var ErrNonFinite = errors.New("train: gradient is not finite")

// Steps is the number of updates made so far (restored by a checkpoint).
func (a *Adam) Steps() int { return a.step }

// GradNorm is the global L2 norm of the gradients of the trainable parameters.
func GradNorm(params []*Param) float64 {
	var ss float64
	for _, p := range params {
		if p.Frozen {
			continue
		}
		for _, g := range p.Grad {
			ss += float64(g) * float64(g)
		}
	}
	return math.Sqrt(ss)
}

// Update applies one Adam step to every trainable parameter from its Grad. It returns the gradient norm before
// clipping and the learning rate used. Grad is scaled in place when clipping applies.
func (a *Adam) Update(params []*Param) (norm, lr float64, err error) {
	norm = GradNorm(params)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, 0, ErrNonFinite
	}
	if a.m == nil {
		a.m = make(map[string][]float32)
		a.v = make(map[string][]float32)
	}
	for _, p := range params {
		if !p.Frozen && len(p.Grad) != len(p.Value) {
			return norm, 0, fmt.Errorf("train: parameter %s has %d values but %d gradients", p.Name, len(p.Value), len(p.Grad))
		}
	}
	scale := 1.0
	if a.Clip > 0 && norm > a.Clip {
		scale = a.Clip / norm
	}
	a.step++
	lr = a.Schedule.Rate(a.step)
	b1, b2 := a.Beta1, a.Beta2
	// Bias-corrected moments with ε added to √v̂ (the PyTorch convention), so the first update is lr·g/(|g|+ε).
	c1 := 1 - math.Pow(b1, float64(a.step))
	c2 := 1 - math.Pow(b2, float64(a.step))
	for _, p := range params {
		if p.Frozen {
			continue
		}
		m, v := a.m[p.Name], a.v[p.Name]
		if len(m) != len(p.Value) {
			m = make([]float32, len(p.Value))
			v = make([]float32, len(p.Value))
			a.m[p.Name], a.v[p.Name] = m, v
		}
		for i, g32 := range p.Grad {
			g := float64(g32) * scale
			if scale != 1 {
				p.Grad[i] = float32(g)
			}
			mi := b1*float64(m[i]) + (1-b1)*g
			vi := b2*float64(v[i]) + (1-b2)*g*g
			m[i], v[i] = float32(mi), float32(vi)
			p.Value[i] -= float32(lr * (mi / c1) / (math.Sqrt(vi/c2) + a.Eps))
		}
	}
	return norm, lr, nil
}

// moments returns the optimiser state of one parameter (nil before its first update), for checkpoints.
func (a *Adam) moments(name string) (m, v []float32) {
	return a.m[name], a.v[name]
}

// restore sets the optimiser state from a checkpoint.
func (a *Adam) restore(step int, m, v map[string][]float32) {
	a.step, a.m, a.v = step, m, v
}
