package twin

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Width is the width of the side-by-side view: two columns and a marker,
// within a 100-column terminal.
const Width = 99

const column = (Width - 3) / 2

// Markers between the columns, as diff -y draws them.
const (
	markSame   = "="
	markDiffer = "|"
	markGoOnly = "<"
	markPyOnly = ">"
)

// SideBySide writes the two runs in two columns, Go on the left, and
// returns whether they agree. Lines are paired by their masked shapes (a
// longest common subsequence, as diff pairs them), shown unmasked, and
// marked: "=" same shape, "|" different, "<" only in Go, ">" only in
// Python. An unordered twin adds a table of shapes and their counts, since
// its lines may agree in number while they differ in order.
func (tw Twin) SideBySide(w io.Writer, goTitle, pyTitle string, goLines, pyLines []string) bool {
	g, p := tw.Mask(goLines), tw.Mask(pyLines)
	if utf8.RuneCountInString(goTitle) > column || utf8.RuneCountInString(pyTitle) > column {
		// A long command would be cut in its column: name both above.
		fmt.Fprintf(w, "left:  %s\nright: %s\n", goTitle, pyTitle)
	} else {
		fmt.Fprintf(w, "%s   %s\n", cell(goTitle), strings.TrimRight(cell(pyTitle), " "))
	}
	fmt.Fprintf(w, "%s   %s\n", strings.Repeat("-", column), strings.Repeat("-", column))
	differ := 0
	for _, r := range align(g, p) {
		left, right, mark := "", "", markSame
		switch {
		case r.g >= 0 && r.p >= 0:
			left, right = goLines[r.g], pyLines[r.p]
			if g[r.g] != p[r.p] {
				mark = markDiffer
			}
		case r.g >= 0:
			left, mark = goLines[r.g], markGoOnly
		default:
			right, mark = pyLines[r.p], markPyOnly
		}
		if mark != markSame {
			differ++
		}
		fmt.Fprintf(w, "%s %s %s\n", cell(left), mark, strings.TrimRight(cell(right), " "))
	}

	agree := tw.Agree(goLines, pyLines)
	if tw.Unordered {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "The order of these lines depends on the scheduler; compared as shapes and counts:")
		writeShapes(w, g, p)
	}
	switch {
	case agree && differ == 0:
		fmt.Fprintf(w, "The two runs agree: %d lines of the same shapes.\n", len(g))
	case agree:
		fmt.Fprintf(w, "The two runs agree as shapes and counts (%d lines); only their order differs.\n", len(g))
	default:
		fmt.Fprintf(w, "The two runs differ: see the lines marked %s, %s and %s.\n", markDiffer, markGoOnly, markPyOnly)
	}
	fmt.Fprintln(w, "(PIDs, times and random numbers are masked as # before the lines are compared.)")
	return agree
}

// writeShapes lists every masked shape with its count on each side.
func writeShapes(w io.Writer, g, p []string) {
	count := func(lines []string) map[string]int {
		m := map[string]int{}
		for _, l := range lines {
			m[l]++
		}
		return m
	}
	gc, pc := count(g), count(p)
	shapes := slices.Sorted(maps.Keys(gc))
	for s := range pc {
		if _, ok := gc[s]; !ok {
			shapes = append(shapes, s)
		}
	}
	fmt.Fprintf(w, "%4s %6s  %s\n", "Go", "Python", "shape")
	for _, s := range shapes {
		mark := " "
		if gc[s] != pc[s] {
			mark = markDiffer
		}
		fmt.Fprintf(w, "%4d %6d %s %s\n", gc[s], pc[s], mark, s)
	}
}

// cell pads or cuts s to one column.
func cell(s string) string {
	n := utf8.RuneCountInString(s)
	if n > column {
		r := []rune(s)
		return string(r[:column-1]) + "…"
	}
	return s + strings.Repeat(" ", column-n)
}

// row pairs line g of the Go output with line p of the Python output; -1
// stands for no line.
type row struct{ g, p int }

// align pairs the two sides along a longest common subsequence of equal
// lines; what lies between two pairs is paired line by line, the rest
// shown alone.
func align(g, p []string) []row {
	// lcs[i][j] is the length of the longest common subsequence of g[i:]
	// and p[j:].
	lcs := make([][]int, len(g)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(p)+1)
	}
	for i := len(g) - 1; i >= 0; i-- {
		for j := len(p) - 1; j >= 0; j-- {
			if g[i] == p[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var rows []row
	var gOnly, pOnly []int
	flush := func() {
		for k := range max(len(gOnly), len(pOnly)) {
			r := row{-1, -1}
			if k < len(gOnly) {
				r.g = gOnly[k]
			}
			if k < len(pOnly) {
				r.p = pOnly[k]
			}
			rows = append(rows, r)
		}
		gOnly, pOnly = gOnly[:0], pOnly[:0]
	}
	i, j := 0, 0
	for i < len(g) && j < len(p) {
		switch {
		case g[i] == p[j]:
			flush()
			rows = append(rows, row{i, j})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			gOnly = append(gOnly, i)
			i++
		default:
			pOnly = append(pOnly, j)
			j++
		}
	}
	for ; i < len(g); i++ {
		gOnly = append(gOnly, i)
	}
	for ; j < len(p); j++ {
		pOnly = append(pOnly, j)
	}
	flush()
	return rows
}
