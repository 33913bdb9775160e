package kernels

import "math"

// LogSoftmax replaces each of the rows of x (width v) by its log-softmax.
func LogSoftmax(x []float32, rows, v int) {
	for r := 0; r < rows; r++ {
		row := x[r*v : (r+1)*v]
		m := row[0]
		for _, a := range row {
			m = max(m, a)
		}
		s := 0.0
		for _, a := range row {
			s += math.Exp(float64(a - m))
		}
		l := m + float32(math.Log(s))
		for i := range row {
			row[i] -= l
		}
	}
}

// CTCFeasible reports whether t frames can emit labels: t ≥ len(labels) + number of adjacent repeats.
func CTCFeasible(t int, labels []int) bool {
	need := len(labels)
	for i := 1; i < len(labels); i++ {
		if labels[i] == labels[i-1] {
			need++
		}
	}
	return t >= need
}

func logAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// CTC computes the CTC loss −log p(labels | logits) of one utterance from unnormalised logits ([t, v] rows,
// blank = 0) and, when grad is not nil, writes d loss / d logits into grad ([t, v]): softmax − posterior. An
// infeasible utterance gives +Inf and a zero gradient. Labels must lie in 1…v−1.
func CTC(logits []float32, t, v int, labels []int, grad []float32) float64 {
	if grad != nil {
		clear(grad[:t*v])
	}
	if t == 0 || !CTCFeasible(t, labels) {
		return math.Inf(1)
	}
	s := 2*len(labels) + 1
	lab := func(i int) int {
		if i%2 == 0 {
			return 0
		}
		return labels[i/2]
	}
	lp := make([]float64, t*v)
	for r := 0; r < t; r++ {
		row := logits[r*v : (r+1)*v]
		m := float64(row[0])
		for _, a := range row {
			m = math.Max(m, float64(a))
		}
		sum := 0.0
		for _, a := range row {
			sum += math.Exp(float64(a) - m)
		}
		l := m + math.Log(sum)
		for i, a := range row {
			lp[r*v+i] = float64(a) - l
		}
	}
	inf := math.Inf(-1)
	alpha := make([]float64, t*s)
	beta := make([]float64, t*s)
	for i := range alpha {
		alpha[i], beta[i] = inf, inf
	}
	skip := func(i int) bool { return i >= 2 && lab(i) != 0 && lab(i) != lab(i-2) }
	alpha[0] = lp[lab(0)]
	if s > 1 {
		alpha[1] = lp[lab(1)]
	}
	for r := 1; r < t; r++ {
		prev := alpha[(r-1)*s : r*s]
		cur := alpha[r*s : (r+1)*s]
		for i := 0; i < s; i++ {
			a := prev[i]
			if i >= 1 {
				a = logAdd(a, prev[i-1])
			}
			if skip(i) {
				a = logAdd(a, prev[i-2])
			}
			if !math.IsInf(a, -1) {
				cur[i] = a + lp[r*v+lab(i)]
			}
		}
	}
	last := alpha[(t-1)*s:]
	logZ := last[s-1]
	if s > 1 {
		logZ = logAdd(logZ, last[s-2])
	}
	if math.IsInf(logZ, -1) {
		return math.Inf(1)
	}
	if grad == nil {
		return -logZ
	}
	// β excludes the emission at its own frame.
	beta[(t-1)*s+s-1] = 0
	if s > 1 {
		beta[(t-1)*s+s-2] = 0
	}
	for r := t - 2; r >= 0; r-- {
		next := beta[(r+1)*s : (r+2)*s]
		cur := beta[r*s : (r+1)*s]
		for i := 0; i < s; i++ {
			b := next[i] + lp[(r+1)*v+lab(i)]
			if i+1 < s {
				b = logAdd(b, next[i+1]+lp[(r+1)*v+lab(i+1)])
			}
			if i+2 < s && skip(i+2) {
				b = logAdd(b, next[i+2]+lp[(r+1)*v+lab(i+2)])
			}
			cur[i] = b
		}
	}
	post := make([]float64, v)
	for r := 0; r < t; r++ {
		clear(post)
		for i := 0; i < s; i++ {
			a := alpha[r*s+i] + beta[r*s+i]
			if !math.IsInf(a, -1) {
				post[lab(i)] += math.Exp(a - logZ)
			}
		}
		g := grad[r*v : (r+1)*v]
		for k := 0; k < v; k++ {
			g[k] = float32(math.Exp(lp[r*v+k]) - post[k])
		}
	}
	return -logZ
}
