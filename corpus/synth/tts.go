package synth

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// job is one utterance on its way through the generator.
type job struct {
	plan Plan
	wav  string // where the engine writes its output
	err  error
}

// speakOne runs a per-utterance engine (espeak-ng, flite).
func speakOne(ctx context.Context, t Tools, j *job) error {
	p := j.plan
	var cmd *exec.Cmd
	switch p.Voice.Engine {
	case Espeak:
		wpm := strconv.Itoa(int(175 * p.Rate))
		cmd = exec.CommandContext(ctx, t.Espeak, "-v", p.Voice.Name, "-s", wpm, "-p",
			strconv.Itoa(int(p.Pitch)), "-w", j.wav, p.Text)
	case Flite:
		cmd = exec.CommandContext(ctx, t.Flite, "-voice", p.Voice.Name, "--setf",
			"duration_stretch="+strconv.FormatFloat(1/p.Rate, 'f', 3, 64), "-t", p.Text, "-o", j.wav)
	default:
		return fmt.Errorf("synth: %s is not a per-utterance engine", p.Voice.Engine)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", p.Voice.Engine, p.Voice.Name, err, firstLine(errb.String()))
	}
	return nil
}

// speakFestival synthesises all jobs in one festival process (its start-up costs more than a sentence), grouped by
// voice so that each voice loads once.
func speakFestival(ctx context.Context, t Tools, dir string, jobs []*job) error {
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].plan.Voice.Name < jobs[b].plan.Voice.Name })
	var s strings.Builder
	voice := ""
	for _, j := range jobs {
		if v := j.plan.Voice.Name; v != voice {
			fmt.Fprintf(&s, "(voice_%s)\n", v)
			voice = v
		}
		// The text is normalised (letters, apostrophes, spaces) and the file name is ours and relative to the work
		// folder (festival runs there), so neither needs escaping beyond the quotes, which Scheme reads like Go.
		fmt.Fprintf(&s, "(Parameter.set 'Duration_Stretch %.3f)\n", 1/j.plan.Rate)
		fmt.Fprintf(&s, "(utt.save.wave (utt.synth (Utterance Text %q)) %q 'riff)\n", j.plan.Text,
			filepath.Base(j.wav))
	}
	script := filepath.Join(dir, "festival.scm")
	if err := os.WriteFile(script, []byte(s.String()), 0o644); err != nil {
		return err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, t.Festival, "--batch", filepath.Base(script))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("festival: %w: %s", err, firstLine(out.String()))
	}
	return nil
}

// speakFreeTTS synthesises all jobs of one freetts voice in one JVM, which takes about a CPU-second to start.
func speakFreeTTS(ctx context.Context, t Tools, dir string, jobs []*job) error {
	byVoice := map[string][]*job{}
	for _, j := range jobs {
		byVoice[j.plan.Voice.Name] = append(byVoice[j.plan.Voice.Name], j)
	}
	names := make([]string, 0, len(byVoice))
	for v := range byVoice {
		names = append(names, v)
	}
	sort.Strings(names)
	for _, v := range names {
		js := byVoice[v]
		var lines strings.Builder
		for _, j := range js {
			lines.WriteString(j.plan.Text + "\n")
		}
		txt := filepath.Join(dir, "freetts-"+v+".txt")
		if err := os.WriteFile(txt, []byte(lines.String()), 0o644); err != nil {
			return err
		}
		prefix := filepath.Join(dir, "freetts-"+v+"-")
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, t.Java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", t.FreeTTSJar,
			"-voice", v, "-lines", txt, "-dumpMultiAudio", prefix+".wav")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("freetts: %w: %s", err, firstLine(out.String()))
		}
		// freetts numbers its outputs PREFIX0.wav, PREFIX1.wav... in line order.
		for i, j := range js {
			if err := os.Rename(fmt.Sprintf("%s%d.wav", prefix, i), j.wav); err != nil {
				j.err = fmt.Errorf("freetts wrote no audio for line %d", i)
			}
		}
	}
	return nil
}
