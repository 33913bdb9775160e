package train

import (
	"bytes"
	"io"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// writePlots draws the training-loss curve and the dev WER/CER curves from the metrics history as PNGs in dir.
// A curve with no points yet is not written.
func writePlots(dir string, history []Record) error {
	var loss, wer, cer plotter.XYs
	for _, r := range history {
		switch r.Kind {
		case "train":
			loss = append(loss, plotter.XY{X: float64(r.Step), Y: r.Loss})
		case "dev":
			wer = append(wer, plotter.XY{X: float64(r.Step), Y: 100 * r.WER})
			cer = append(cer, plotter.XY{X: float64(r.Step), Y: 100 * r.CER})
		}
	}
	if len(loss) > 0 {
		if err := drawCurves(filepath.Join(dir, LossPlotFile), "Training loss", "CTC loss per utterance",
			[]string{"loss"}, []plotter.XYs{loss}); err != nil {
			return err
		}
	}
	if len(wer) > 0 {
		if err := drawCurves(filepath.Join(dir, WERPlotFile), "Dev error rates (greedy decoding)", "%",
			[]string{"WER", "CER"}, []plotter.XYs{wer, cer}); err != nil {
			return err
		}
	}
	return nil
}

func drawCurves(path, title, ylabel string, names []string, series []plotter.XYs) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	for i, xy := range series {
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(names[i], l)
		if len(xy) < 30 { // few points (dev evaluations): mark them
			s, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			s.Color = l.Color
			p.Add(s)
		}
	}
	if ylabel == "%" {
		p.Y.Min = 0 // error rates read best against zero
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(8*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error { _, err := buf.WriteTo(w); return err })
}
