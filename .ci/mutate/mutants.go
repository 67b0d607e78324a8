package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A mutant is one small, deliberate break of a promise the project makes,
// and the package whose tests must notice it.
type mutant struct {
	name    string
	pkg     string // the package pattern given to go test, relative to dir
	dir     string // where go test runs, relative to the repository root
	promise string // the behaviour the mutant breaks, in one line
	run     string // an optional -run pattern, only to save time
	flags   []string
	alone   bool // run with no other mutant at the same time (CPU measurements)
	edits   []edit
	source  string // file:line of its header, for messages
}

// An edit replaces the only occurrence of find in file with replace.
type edit struct {
	file, find, replace string
}

// readMutants reads every *.txt file in dir, sorted by name, and returns the
// mutants in the order they are written.
func readMutants(dir string) ([]mutant, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var all []mutant
	seen := map[string]string{}
	for _, path := range paths {
		ms, err := parseFile(path)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if where, dup := seen[m.name]; dup {
				return nil, fmt.Errorf("%s: mutant %q is also defined at %s", m.source, m.name, where)
			}
			seen[m.name] = m.source
		}
		all = append(all, ms...)
	}
	return all, nil
}

// parseFile reads one mutant file. Keywords stand at column 0; the lines of
// a find: or replace: block are taken verbatim, so that tabs survive.
func parseFile(path string) ([]mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	var (
		ms    []mutant
		cur   *mutant
		ed    *edit
		block *[]string // the find or replace lines being collected
		find  []string
		repl  []string
		line  int
	)
	where := func() string { return fmt.Sprintf("%s:%d", path, line) }
	finishEdit := func() {
		ed.find = strings.Join(find, "\n")
		ed.replace = strings.Join(repl, "\n")
		cur.edits = append(cur.edits, *ed)
		ed, block, find, repl = nil, nil, nil, nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line++
		text := sc.Text()
		if block != nil {
			switch text {
			case "replace:":
				if block != &find {
					return nil, fmt.Errorf("%s: a replace: line with no find: before it", where())
				}
				block = &repl
			case "end":
				if block != &repl {
					return nil, fmt.Errorf("%s: an end line before the replace: line", where())
				}
				finishEdit()
			default:
				*block = append(*block, text)
			}
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, ":")
		if !ok {
			return nil, fmt.Errorf("%s: want \"key: value\", got %q", where(), text)
		}
		value = strings.TrimSpace(value)
		if key == "mutant" {
			ms = append(ms, mutant{name: value, dir: ".", source: where()})
			cur = &ms[len(ms)-1]
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s: %q comes before the first mutant line", where(), key)
		}
		switch key {
		case "package":
			cur.pkg = value
		case "dir":
			cur.dir = value
		case "promise":
			cur.promise = value
		case "run":
			cur.run = value
		case "flags":
			cur.flags = strings.Fields(value)
		case "alone":
			cur.alone = true
		case "file":
			ed = &edit{file: value}
		case "find":
			if ed == nil {
				return nil, fmt.Errorf("%s: a find: line with no file: line before it", where())
			}
			block = &find
		default:
			return nil, fmt.Errorf("%s: unknown key %q", where(), key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if block != nil {
		return nil, fmt.Errorf("%s: the file ends inside a find: or replace: block", path)
	}
	for _, m := range ms {
		switch {
		case m.name == "":
			return nil, fmt.Errorf("%s: a mutant needs a name", m.source)
		case m.pkg == "":
			return nil, fmt.Errorf("%s: mutant %s names no package", m.source, m.name)
		case m.promise == "":
			return nil, fmt.Errorf("%s: mutant %s states no promise", m.source, m.name)
		case len(m.edits) == 0:
			return nil, fmt.Errorf("%s: mutant %s changes nothing", m.source, m.name)
		}
	}
	return ms, nil
}

// apply changes the files below root as the mutant says, and returns a
// function that puts them back. It refuses a find text that does not stand
// exactly once in its file: a mutant that no longer applies is a mutant
// that checks nothing, and must be mended with the code it breaks.
func (m mutant) apply(root string) (restore func() error, err error) {
	originals := map[string][]byte{}
	restore = func() error {
		for path, data := range originals {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range m.edits {
		path := filepath.Join(root, e.file)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("mutant %s: %w", m.name, err)
		}
		if _, done := originals[path]; !done {
			originals[path] = data
		}
		text := string(data)
		if n := strings.Count(text, e.find); n != 1 {
			_ = restore()
			return nil, fmt.Errorf("mutant %s (%s): its find text stands %d times in %s; want once", m.name, m.source, n, e.file)
		}
		text = strings.Replace(text, e.find, e.replace, 1)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			_ = restore()
			return nil, err
		}
	}
	return restore, nil
}
