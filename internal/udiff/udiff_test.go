package udiff

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedExact(t *testing.T) {
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"create", "", "a\nb\n", "--- f\n+++ g\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"delete", "a\nb\n", "", "--- f\n+++ g\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"change middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
			"--- f\n+++ g\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"},
		{"insert at start", "a\nb\n", "z\na\nb\n", "--- f\n+++ g\n@@ -1,2 +1,3 @@\n+z\n a\n b\n"},
		{"no newline at end", "a\nb", "a\nc", "--- f\n+++ g\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n",
			"--- f\n+++ g\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+Y\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Unified("f", "g", []byte(c.old), []byte(c.new)); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// apply applies a unified diff made by Unified to old, checking every
// context and removed line, as patch does.
func apply(t *testing.T, old, diff string) string {
	t.Helper()
	a := splitLines(old)
	lines := splitLines(diff)
	if len(lines) < 2 {
		t.Fatalf("no headers in %q", diff)
	}
	var out []string
	ai := 0
	for i := 2; i < len(lines); {
		var as, al, bs, bl int
		h := strings.TrimSuffix(lines[i], "\n")
		if _, err := fmt.Sscanf(normalize(h), "@@ -%d,%d +%d,%d @@", &as, &al, &bs, &bl); err != nil {
			t.Fatalf("bad hunk header %q: %v", h, err)
		}
		start := as - 1
		if al == 0 {
			start = as
		}
		out = append(out, a[ai:start]...)
		ai = start
		i++
		for i < len(lines) && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			text := l[1:]
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\ No newline`) {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if ai >= len(a) || a[ai] != text {
					t.Fatalf("line %d: context %q does not match %q", ai+1, text, a[min(ai, len(a)-1)])
				}
				if l[0] == ' ' {
					out = append(out, text)
				}
				ai++
			case '+':
				out = append(out, text)
			default:
				t.Fatalf("bad line %q", l)
			}
			i++
		}
	}
	out = append(out, a[ai:]...)
	return strings.Join(out, "")
}

// normalize turns the short forms "-5" and "+5" of hunk ranges into "-5,1".
func normalize(h string) string {
	f := strings.Fields(h)
	for i := 1; i <= 2; i++ {
		if !strings.Contains(f[i], ",") {
			f[i] += ",1"
		}
	}
	return strings.Join(f, " ")
}

// TestUnifiedApplies: for random edits of random texts, applying the diff
// to the old text gives the new one.
func TestUnifiedApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	text := func(n int) []string {
		var ls []string
		for range n {
			ls = append(ls, strconv.Itoa(r.IntN(8))+"\n")
		}
		return ls
	}
	for i := range 2000 {
		a := text(r.IntN(40))
		b := append([]string(nil), a...)
		for range r.IntN(6) {
			switch p := r.IntN(len(b) + 1); r.IntN(3) {
			case 0:
				b = append(b[:p], append(text(1+r.IntN(3)), b[p:]...)...)
			case 1:
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			case 2:
				if p < len(b) {
					b[p] = "x\n"
				}
			}
		}
		old, new := strings.Join(a, ""), strings.Join(b, "")
		if r.IntN(4) == 0 && new != "" {
			new = strings.TrimSuffix(new, "\n")
		}
		d := Unified("a", "b", []byte(old), []byte(new))
		if (d == "") != (old == new) {
			t.Fatalf("case %d: diff %q for old %q new %q", i, d, old, new)
		}
		if d == "" {
			continue
		}
		if got := apply(t, old, d); got != new {
			t.Fatalf("case %d: applying\n%s\nto %q gives %q, want %q", i, d, old, got, new)
		}
	}
}

// TestUnifiedLarge: texts too different for the edit search still give a
// correct diff.
func TestUnifiedLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	d := Unified("a", "b", []byte(a.String()), []byte(b.String()))
	if got := apply(t, a.String(), d); got != b.String() {
		t.Fatal("applying the diff does not give the new text")
	}
}

func BenchmarkUnified(b *testing.B) {
	var x, y strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&x, "line %d\n", i)
		if i%50 == 0 {
			fmt.Fprintf(&y, "changed %d\n", i)
		} else {
			fmt.Fprintf(&y, "line %d\n", i)
		}
	}
	old, new := []byte(x.String()), []byte(y.String())
	b.ReportAllocs()
	for b.Loop() {
		Unified("a", "b", old, new)
	}
}
