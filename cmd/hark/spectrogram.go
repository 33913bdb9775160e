package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/harkspeech/hark/features"
)

// maxSpectrogramColumns bounds the image width so that an hour-long file still draws quickly; longer inputs are
// max-pooled over time, which keeps short loud events visible.
const maxSpectrogramColumns = 6000

func runSpectrogram(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "spectrogram", "[-o out.png] [-width inches] [-height inches] FILE")
	out := fs.String("o", "", "output PNG `file` (default: FILE with .png; - for standard output)")
	width := fs.Float64("width", 0, "image width in `inches` at 96 dpi (default: grows with the duration, 6 to 40)")
	height := fs.Float64("height", 4, "image height in `inches` at 96 dpi")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	// 96 dpi: 400 inches is 38,400 pixels, far more than any screen, and still a bounded allocation.
	const maxInches = 400
	switch {
	case !(*width >= 0 && *width <= maxInches):
		return usagef(e, "spectrogram", "-width must be between 0 (automatic) and %d inches", maxInches)
	case !(*height > 0 && *height <= maxInches):
		return usagef(e, "spectrogram", "-height must be more than 0 and at most %d inches", maxInches)
	}
	in := fs.Arg(0)
	if *out == "" {
		if in == "-" {
			return fmt.Errorf("-o is required when reading standard input (-o - writes the PNG to standard output)")
		}
		*out = trimExt(in) + ".png"
	}
	if in != "-" && *out != "-" && sameFile(*out, in) {
		return fmt.Errorf("%s: the output would overwrite the input; choose another name with -o", *out)
	}
	samples, info, err := loadAudio(e, in)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ex, err := features.New(features.DefaultConfig())
	if err != nil {
		return err
	}
	m := ex.Compute(samples)
	if m.Rows == 0 {
		return fmt.Errorf("%s: too short for a spectrogram (%.3f s)", in, info.Duration)
	}
	hopSeconds := float64(ex.Config().Hop) / float64(ex.Config().SampleRate)
	w := *width
	if w <= 0 {
		w = math.Min(40, math.Max(6, float64(m.Rows)*hopSeconds))
	}
	png, err := drawSpectrogram(m, hopSeconds, in, vg.Length(w)*vg.Inch, vg.Length(*height)*vg.Inch)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err := e.stdout.Write(png)
		return err
	}
	return writeFileAtomic(*out, png)
}

// drawSpectrogram renders log-mel frames as a colour image with a time axis in seconds and a mel-band axis.
func drawSpectrogram(m *features.Matrix, hopSeconds float64, title string, w, h vg.Length) ([]byte, error) {
	cols := m.Rows
	pool := 1
	if cols > maxSpectrogramColumns {
		pool = (cols + maxSpectrogramColumns - 1) / maxSpectrogramColumns
		cols = (m.Rows + pool - 1) / pool
	}
	lo, hi := spectrogramRange(m)
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	img := image.NewRGBA(image.Rect(0, 0, cols, m.Cols))
	for c := 0; c < cols; c++ {
		for band := 0; band < m.Cols; band++ {
			v := math.Inf(-1)
			for t := c * pool; t < (c+1)*pool && t < m.Rows; t++ {
				v = math.Max(v, float64(m.Data[t*m.Cols+band]))
			}
			v = math.Min(math.Max(v, lo), hi)
			col, err := pal.At(v)
			if err != nil {
				col = color.Black
			}
			// Low bands at the bottom, as people expect of a spectrogram.
			img.Set(c, m.Cols-1-band, col)
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "mel band"
	duration := float64(m.Rows) * hopSeconds
	p.Add(plotter.NewImage(img, 0, 0, duration, float64(m.Cols)))
	p.X.Min, p.X.Max = 0, duration
	p.Y.Min, p.Y.Max = 0, float64(m.Cols)
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// spectrogramRange picks the colour range: the top 80 dB (in natural-log power units) below the loudest cell, so
// that the log floor of digital silence does not wash out the picture.
func spectrogramRange(m *features.Matrix) (lo, hi float64) {
	hi = math.Inf(-1)
	for _, v := range m.Data {
		hi = math.Max(hi, float64(v))
	}
	lo = hi - 80*math.Ln10/10
	return lo, hi
}
