package twin

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestNumbersMaskPIDsAndTimesButNotSmallCounts(t *testing.T) {
	tw := Twin{Masks: Numbers}
	assert.Equal(t, []string{
		"Run task 4 (#)...",
		"Task 4 runs #.## seconds.",
		"thread LoopThread >>> 5",
		"Put task #...",
	}, tw.Mask([]string{
		"Run task 4 (12345)...",
		"Task 4 runs 1.07 seconds.",
		"thread LoopThread >>> 5",
		"Put task 9306...",
	}))
}

func TestAgreeInOrderOrAsMultiset(t *testing.T) {
	goLines := []string{"Get A (101)", "Get B (102)"}
	swapped := []string{"Get B (202)", "Get A (201)"}
	ordered := Twin{Masks: Numbers}
	assert.True(t, ordered.Agree(goLines, []string{"Get A (201)", "Get B (202)"}))
	assert.False(t, ordered.Agree(goLines, swapped), "order matters")
	unordered := Twin{Masks: Numbers, Unordered: true}
	assert.True(t, unordered.Agree(goLines, swapped), "only shapes and counts matter")
	assert.False(t, unordered.Agree(goLines, []string{"Get A (201)", "Get A (202)"}), "counts matter")
}

// sideBySide runs SideBySide and returns its lines.
func sideBySide(tw Twin, goLines, pyLines []string) ([]string, bool) {
	var out strings.Builder
	agree := tw.SideBySide(&out, "Go", "Python", goLines, pyLines)
	return Lines(out.String()), agree
}

func TestSideBySideMarksEachRow(t *testing.T) {
	tw := Twin{Masks: Numbers}
	lines, agree := sideBySide(tw,
		[]string{"Parent process 1000.", "Go only", "Run child test (1001)...", "end"},
		[]string{"Parent process 2000.", "Run child test (2001)...", "Python only", "finish"})
	require.False(t, agree)
	marks := regexp.MustCompile(`^(.{48}) (.) (.*)$`)
	var got []string
	for _, l := range lines[2 : len(lines)-2] {
		m := marks.FindStringSubmatch(l)
		require.NotNil(t, m, "row %q is not two columns and a marker", l)
		got = append(got, strings.TrimSpace(m[1])+" "+m[2]+" "+m[3])
	}
	assert.Equal(t, []string{
		"Parent process 1000. = Parent process 2000.",
		"Go only < ",
		"Run child test (1001)... = Run child test (2001)...",
		"end | Python only",
		" > finish",
	}, got)
	assert.Contains(t, lines[len(lines)-2], "The two runs differ")
	for _, l := range lines {
		assert.LessOrEqual(t, len([]rune(l)), 100, "a row fits a 100-column terminal: %q", l)
	}
}

func TestSideBySideCutsLongLines(t *testing.T) {
	long := strings.Repeat("x", 200)
	lines, agree := sideBySide(Twin{}, []string{long}, []string{long})
	require.True(t, agree)
	assert.Equal(t, strings.Repeat("x", 47)+"… = "+strings.Repeat("x", 47)+"…", lines[2])
}

func TestUnorderedTwinShowsShapeCounts(t *testing.T) {
	tw := Twin{Masks: Numbers, Unordered: true}
	out := new(strings.Builder)
	agree := tw.SideBySide(out, "Go", "Python", []string{"Get A (101)", "Get B (102)"}, []string{"Get B (202)", "Get A (201)"})
	assert.True(t, agree)
	assert.Contains(t, out.String(), "   1      1   Get A (#)\n")
	assert.Contains(t, out.String(), "only their order differs")
}

func TestRunAndCompareWithPython(t *testing.T) {
	if _, err := Python(); err != nil {
		t.Skipf("not tested without python3: %v", err)
	}
	tw := Twin{Name: "hello.py", GoArgs: []string{"-n", "3"}, Source: []byte("import os, sys\nprint('Process (%d) start...' % os.getpid())\nprint('error', file=sys.stderr)\n"), Masks: Numbers}
	lines, err := tw.Run(t.Context())
	require.NoError(t, err)
	require.Len(t, lines, 2)
	assert.Regexp(t, `^Process \(\d+\) start\.\.\.$`, lines[0])
	assert.Equal(t, "error", lines[1], "stderr is part of the output")

	var out strings.Builder
	err = tw.Compare(t.Context(), &out, "01-fork", func(w io.Writer) error {
		_, err := fmt.Fprintln(w, "Process (42424) start...\nerror")
		return err
	})
	require.NoError(t, err, "the runs agree:\n%s", out.String())
	assert.Contains(t, out.String(), "go run ./01-fork -n 3 -tutorial-only")
	assert.Contains(t, out.String(), "python3 hello.py")

	err = tw.Compare(t.Context(), &out, "01-fork", func(w io.Writer) error {
		_, err := fmt.Fprintln(w, "something else")
		return err
	})
	assert.ErrorIs(t, err, ErrDiffer)
}

func TestFailingTwinSaysWhy(t *testing.T) {
	if _, err := Python(); err != nil {
		t.Skipf("not tested without python3: %v", err)
	}
	_, err := Twin{Name: "bad.py", Source: []byte("raise SystemExit('no good')\n")}.Run(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "python3 bad.py: exit status 1\nno good")
}

func TestWithoutPythonTheErrorSaysWhatIsNeeded(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Twin{Name: "x.py"}.Run(t.Context())
	assert.True(t, errors.Is(err, ErrNoPython))
	assert.Contains(t, err.Error(), "-compare needs python3")
	assert.LessOrEqual(t, len(err.Error()), 100, "one line that fits a terminal")
}

func TestLongTitlesStandAboveTheColumns(t *testing.T) {
	long := "go run ./05-threads -interval 200ms -tutorial-only -and-more"
	lines, _ := sideBySide(Twin{}, nil, nil)
	assert.Equal(t, "Go", strings.TrimSpace(lines[0][:48]))
	var out strings.Builder
	Twin{}.SideBySide(&out, long, "python3 x.py", []string{"a"}, []string{"a"})
	got := Lines(out.String())
	assert.Equal(t, "left:  "+long, got[0])
	assert.Equal(t, "right: python3 x.py", got[1])
}

// TestChildProcessLinesArriveWhole: four processes printing at once never
// cut each other's lines, as they do with python3 -u.
func TestChildProcessLinesArriveWhole(t *testing.T) {
	if _, err := Python(); err != nil {
		t.Skipf("not tested without python3: %v", err)
	}
	src := `import multiprocessing, os
def say(i):
    for n in range(200):
        print('worker %d line %d from %d' % (i, n, os.getpid()))
if __name__ == '__main__':
    ps = [multiprocessing.Process(target=say, args=(i,)) for i in range(4)]
    for p in ps: p.start()
    for p in ps: p.join()
`
	lines, err := Twin{Name: "many.py", Source: []byte(src)}.Run(t.Context())
	require.NoError(t, err)
	require.Len(t, lines, 800)
	whole := regexp.MustCompile(`^worker \d line \d+ from \d+$`)
	for _, l := range lines {
		require.Regexp(t, whole, l)
	}
}
