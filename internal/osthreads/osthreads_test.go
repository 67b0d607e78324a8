package osthreads

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int
		wantErr string
	}{
		{"good line", "Name:\tdemo\nPid:\t42\nThreads:\t7\nSigQ:\t0/31\n", 7, ""},
		{"last line without newline", "Name:\tdemo\nThreads:\t12", 12, ""},
		{"missing line", "Name:\tdemo\n", 0, "count OS threads: no Threads: line"},
		{"bad number", "Threads:\tmany\n", 0, `count OS threads: bad Threads: line "Threads:\tmany"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(strings.NewReader(tt.status))
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, n)
		})
	}
}
