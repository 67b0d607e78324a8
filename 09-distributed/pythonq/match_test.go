package pythonq

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
)

// matching is a matcher over a hub with one worker's session that holds
// the tasks numbered ns, handed out in that order.
type matching struct {
	m     *matcher
	hub   *taskq.Hub
	log   *logged
	tasks map[int]taskq.Task // by number
}

func newMatching(t *testing.T, ns ...int) *matching {
	t.Helper()
	x := &matching{log: &logged{}, tasks: make(map[int]taskq.Task)}
	x.hub = taskq.NewHub(nil)
	x.m = newMatcher(x.log.logf)
	for i, n := range ns {
		require.NoError(t, x.hub.PutTask(t.Context(), taskq.Task{ID: uint64(i + 1), N: n}))
	}
	s := x.hub.Connect("")
	t.Cleanup(func() { _ = s.Close() })
	for range ns {
		task, ok, err := s.GetTask(t.Context(), 0)
		require.NoError(t, err)
		require.True(t, ok)
		x.m.handedOut(s, task)
		x.tasks[task.N] = task
	}
	return x
}

// results are the results the hub kept, by task number.
func (x *matching) results(t *testing.T) map[int]string {
	t.Helper()
	got := make(map[int]string)
	for {
		r, ok, err := x.hub.GetResult(t.Context(), 0)
		require.NoError(t, err)
		if !ok {
			return got
		}
		for n, task := range x.tasks {
			if task.ID == r.TaskID {
				got[n] = r.Text
			}
		}
	}
}

func TestAResultWithoutANumberGoesToTheOldestTaskLoggedOnce(t *testing.T) {
	x := newMatching(t, 5, 6)
	x.m.answer("worker", "twenty-five")
	x.m.answer("worker", "thirty-six")
	assert.Equal(t, map[int]string{5: "twenty-five", 6: "thirty-six"}, x.results(t),
		"each goes to the oldest task handed out and not answered")
	assert.Equal(t, 1, x.log.count("does not start with its task's number", "twenty-five"), x.log.text())
	assert.Equal(t, 1, x.log.count(), "logged once:\n%s", x.log.text())
}

func TestAResultMatchingNoTaskIsDroppedWithALine(t *testing.T) {
	x := newMatching(t, 5)
	x.m.answer("worker", square(9))
	x.m.answer("worker", square(10))
	assert.Empty(t, x.results(t), "task 5 is not answered by another number's result")
	assert.Equal(t, 1, x.log.count("matches no task handed out", square(9), "dropped"), x.log.text())
	assert.Equal(t, 1, x.log.count(), "logged once:\n%s", x.log.text())

	x.m.answer("worker", square(5))
	assert.Equal(t, map[int]string{5: square(5)}, x.results(t), "the task still takes its own")
}

func TestASecondResultIsDropped(t *testing.T) {
	x := newMatching(t, 5, 6)
	x.m.answer("worker", square(5))
	x.m.answer("worker", square(5)+" again")
	assert.Equal(t, map[int]string{5: square(5)}, x.results(t), "the first is kept, and task 6 is left alone")
	assert.Equal(t, 1, x.log.count("matches no task handed out", "again", "dropped"), x.log.text())
	if assert.Len(t, x.m.pending, 1, "only task 6 is still waiting") {
		assert.Equal(t, 6, x.m.pending[0].task.N)
	}
}

func TestLeadingNumber(t *testing.T) {
	for text, want := range map[string]int{"7 * 7 = 49": 7, "  12": 12, "-3 * -3 = 9": -3, "0": 0} {
		n, numbered, fits := leadingNumber(text)
		assert.True(t, numbered && fits, text)
		assert.Equal(t, want, n, text)
	}
	for _, text := range []string{"", "-", "x 7", "+7", "seven"} {
		_, numbered, _ := leadingNumber(text)
		assert.False(t, numbered, text)
	}
	_, numbered, fits := leadingNumber("99999999999999999999999 * 2")
	assert.True(t, numbered && !fits, "a number too long for an int")
}

func TestAResultWithANumberTooLongForAnyTaskIsDropped(t *testing.T) {
	x := newMatching(t, 5)
	x.m.answer("worker", "99999999999999999999999 * 99999999999999999999999 = ...")
	assert.Empty(t, x.results(t), "it names no task, and is no task's")
	assert.Equal(t, 1, x.log.count("matches no task handed out", "dropped"), x.log.text())
}
