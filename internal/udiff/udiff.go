// Package udiff writes line-based unified diffs, the format of "diff -u"
// and "gofmt -d" that "patch" applies.
package udiff

import (
	"fmt"
	"strings"
)

// context is the number of unchanged lines shown around each change.
const context = 3

// maxEdits bounds the search for a shortest edit script. A pair of texts
// that differ by more than this many lines (after their common start and
// end) is shown as one replacement of the lines in between: still a correct
// patch, only not a minimal one, and the search stays O(N·maxEdits).
const maxEdits = 1000

// Unified returns the unified diff from old to new, with headers "--- from"
// and "+++ to" (use "/dev/null" for a file that does not exist on one
// side), or "" if they are equal. A last line without a newline is marked
// as diff marks it.
func Unified(from, to string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	a, b := splitLines(string(old)), splitLines(string(new))
	ops := diffLines(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	// Group the edit script into hunks with context.
	for i := 0; i < len(ops); {
		if ops[i].kind == equal {
			i++
			continue
		}
		// ops[i] is the first change of a hunk; walk back for context.
		start := i
		for n := 0; n < context && start > 0 && ops[start-1].kind == equal; n++ {
			start--
		}
		// Extend while the gap between changes is at most 2*context.
		end := i
		for end < len(ops) {
			if ops[end].kind != equal {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == equal {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, run)
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end], a, b)
		i = end
	}
	return out.String()
}

func writeHunk(out *strings.Builder, ops []op, a, b []string) {
	aStart, bStart := ops[0].ai, ops[0].bi
	aLen, bLen := 0, 0
	for _, o := range ops {
		switch o.kind {
		case equal:
			aLen++
			bLen++
		case del:
			aLen++
		case ins:
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", span(aStart, aLen), span(bStart, bLen))
	for _, o := range ops {
		var line string
		var prefix byte
		switch o.kind {
		case equal:
			prefix, line = ' ', a[o.ai]
		case del:
			prefix, line = '-', a[o.ai]
		case ins:
			prefix, line = '+', b[o.bi]
		}
		out.WriteByte(prefix)
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// span formats a hunk range: 1-based start and length, with the
// conventions of diff -u (an empty range names the line before it).
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits s after each newline; the last line may lack one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type kind uint8

const (
	equal kind = iota
	del
	ins
)

// op is one line of the edit script: ai and bi are the positions in a and b
// before the op (the line's index for equal and del in a, for ins in b).
type op struct {
	kind   kind
	ai, bi int
}

// diffLines returns an edit script from a to b: Myers' greedy algorithm on
// the lines between the common prefix and suffix.
func diffLines(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{equal, i, i})
	}
	ops = append(ops, middle(a[pre:len(a)-suf], b[pre:len(b)-suf], pre)...)
	for i := 0; i < suf; i++ {
		ops = append(ops, op{equal, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

// middle diffs a and b, which start at line off of both texts.
func middle(a, b []string, off int) []op {
	n, m := len(a), len(b)
	limit := min(n+m, maxEdits)
	// v[k+limit] is the furthest x reached on diagonal k. Before round d,
	// trace[d] keeps the part of v that round d reads: diagonals -d-1..d+1.
	v := make([]int, 2*limit+3)
	var trace [][]int
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		trace = append(trace, append([]int(nil), v[limit-d:limit+d+3]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[k-1+limit+1] < v[k+1+limit+1] {
				x = v[k+1+limit+1]
			} else {
				x = v[k-1+limit+1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[k+limit+1] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		// Too different: replace the whole middle.
		var ops []op
		for i := range a {
			ops = append(ops, op{del, off + i, off})
		}
		for j := range b {
			ops = append(ops, op{ins, off + n, off + j})
		}
		return ops
	}
	// Walk back through the trace, collecting ops in reverse.
	var rev []op
	x, y := n, m
	for d := found; d > 0; d-- {
		at := func(k int) int { return trace[d][k+d+1] }
		k := x - y
		down := k == -d || k != d && at(k-1) < at(k+1) // an insertion
		pk := k - 1
		if down {
			pk = k + 1
		}
		px := at(pk)
		py := px - pk
		// The snake after the move, back to where the move ended.
		for end := px + 1; down && x > px || !down && x > end; {
			x--
			y--
			rev = append(rev, op{equal, off + x, off + y})
		}
		if down {
			rev = append(rev, op{ins, off + px, off + py})
		} else {
			rev = append(rev, op{del, off + px, off + py})
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{equal, off + x, off + y})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}
