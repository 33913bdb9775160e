package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Record is one line of the metrics log (JSON lines): "train" lines average the steps since the previous one,
// "dev" lines hold the dev-set scores.
type Record struct {
	Kind         string  `json:"kind"`
	Step         int     `json:"step"`
	Epoch        int     `json:"epoch"`
	Time         float64 `json:"time_s"` // training seconds so far, over all runs
	Loss         float64 `json:"loss,omitempty"`
	LR           float64 `json:"lr,omitempty"`
	GradNorm     float64 `json:"grad_norm,omitempty"`
	StepsPerSec  float64 `json:"steps_per_s,omitempty"`
	AudioPerHour float64 `json:"audio_h_per_h,omitempty"`
	WER          float64 `json:"wer,omitempty"`
	CER          float64 `json:"cer,omitempty"`
	// Sets holds the scores per dev manifest when there are several (WER and CER above are pooled over them).
	Sets []SetScore `json:"sets,omitempty"`
}

// openMetrics loads the metrics log for the curves. A resumed run drops the lines written after its checkpoint
// (a crash leaves them behind) so that the log reads as one uninterrupted run; a fresh run starts a new log.
func (t *Trainer) openMetrics(resume bool) error {
	path := filepath.Join(t.Opt.OutDir, MetricsFile)
	t.history = nil
	if !resume {
		return writeBytesAtomic(path, nil)
	}
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var keep bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Step > t.state.Step {
			continue // a torn last line or one from after the checkpoint
		}
		t.history = append(t.history, r)
		keep.Write(sc.Bytes())
		keep.WriteByte('\n')
	}
	return writeBytesAtomic(path, keep.Bytes())
}

// appendRecord adds r to the history and the log. The log is only a report, so a write error is shown, not fatal.
func (t *Trainer) appendRecord(r Record) {
	t.history = append(t.history, r)
	js, _ := json.Marshal(r)
	f, err := os.OpenFile(filepath.Join(t.Opt.OutDir, MetricsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.Write(append(js, '\n')) // one write per line keeps lines whole
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.logf("metrics log: %v", err)
	}
}

// writeReports redraws the curves and rewrites the model card; failures are shown, not fatal.
func (t *Trainer) writeReports() {
	if err := writePlots(t.Opt.OutDir, t.history); err != nil {
		t.logf("curves: %v", err)
	}
	if err := t.writeCard(); err != nil {
		t.logf("model card: %v", err)
	}
}

// progress shows training progress: a bar on a terminal, a line every 30 seconds otherwise.
type progress interface {
	update(step int, loss float64, stepsPerSec, audioPerHour float64)
	log(line string)
	finish()
}

func newProgress(w io.Writer, total int) progress {
	if w == nil {
		return nopProgress{}
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
		return &barProgress{w: w, bar: bar, total: total}
	}
	return &lineProgress{w: w, total: total, every: 30 * time.Second}
}

type nopProgress struct{}

func (nopProgress) update(int, float64, float64, float64) {}
func (nopProgress) log(string)                            {}
func (nopProgress) finish()                               {}

type barProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
}

func (p *barProgress) update(step int, loss, sps, aph float64) {
	p.bar.Describe(statusLine(step, p.total, loss, sps, aph))
	p.bar.Set(step)
}

func (p *barProgress) log(line string) {
	p.bar.Clear()
	fmt.Fprintln(p.w, line)
}

func (p *barProgress) finish() {
	p.bar.Finish()
	fmt.Fprintln(p.w)
}

type lineProgress struct {
	w     io.Writer
	total int
	every time.Duration
	last  time.Time
}

func (p *lineProgress) update(step int, loss, sps, aph float64) {
	if time.Since(p.last) < p.every && step != p.total {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "%s step %d/%d %s\n", time.Now().Format("15:04:05"), step, p.total, statusLine(step, p.total, loss, sps, aph))
}

func (p *lineProgress) log(line string) {
	fmt.Fprintf(p.w, "%s %s\n", time.Now().Format("15:04:05"), line)
}

func (p *lineProgress) finish() {}

func statusLine(step, total int, loss, sps, aph float64) string {
	eta := "?"
	if sps > 0 && total >= step {
		eta = (time.Duration(float64(total-step)/sps) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("loss %.3f · %.2f steps/s · %.0f audio-h/h · ETA %s", loss, sps, aph, eta)
}
