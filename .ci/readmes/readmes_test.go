// Package readmes checks that every README.md of the project has a Chinese
// twin, README.zh-CN.md, and that the two say the same things where a
// machine can tell: the same commands and code, the same links to files of
// the repository (which exist), and the same tables. A change to one
// language without the other fails here. .ci/run runs it:
//
//	go test ./.ci/readmes
package readmes

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// root is the repository: this package lives in .ci/readmes.
const root = "../.."

func TestEveryReadmeHasAChineseTwinThatSaysTheSame(t *testing.T) {
	english := findReadmes(t)
	require.NotEmpty(t, english)
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(root, name))
		return err == nil
	}
	for _, en := range english {
		zh := strings.TrimSuffix(en, "README.md") + "README.zh-CN.md"
		t.Run(en, func(t *testing.T) {
			zhText, err := os.ReadFile(filepath.Join(root, zh))
			require.NoError(t, err, "%s has no Chinese twin %s", en, zh)
			for _, p := range problems(en, read(t, en), zh, string(zhText), exists) {
				t.Error(p)
			}
		})
	}
}

// problems lists, a line each, where the English README en and its
// Chinese twin zh say different things; exists says whether a file of the
// repository (a path relative to it) exists.
func problems(en, enText, zh, zhText string, exists func(string) bool) []string {
	var found []string
	add := func(format string, args ...any) { found = append(found, fmt.Sprintf(format, args...)) }
	if !strings.HasPrefix(enText, "English | [中文](README.zh-CN.md)") {
		add("%s does not start with a link to its Chinese twin: English | [中文](README.zh-CN.md)", en)
	}
	if !strings.HasPrefix(zhText, "[English](README.md) | 中文") {
		add("%s does not start with a link to its English twin: [English](README.md) | 中文", zh)
	}
	enDoc, zhDoc := parse(enText), parse(withoutChineseOnly(zhText))

	if len(enDoc.blocks) != len(zhDoc.blocks) {
		add("%s has %d code blocks, %s %d", en, len(enDoc.blocks), zh, len(zhDoc.blocks))
	} else {
		for i := range enDoc.blocks {
			if !slices.Equal(enDoc.blocks[i], zhDoc.blocks[i]) {
				add("code block %d differs: %s has %q, %s has %q", i+1, en, enDoc.blocks[i], zh, zhDoc.blocks[i])
			}
		}
	}
	if !slices.Equal(enDoc.tables, zhDoc.tables) {
		add("the tables differ: rows of each in %s %v, in %s %v", en, enDoc.tables, zh, zhDoc.tables)
	}
	if enLinks, zhLinks := normalised(repoLinks(enDoc.prose)), normalised(repoLinks(zhDoc.prose)); !slices.Equal(enLinks, zhLinks) {
		add("the links to files differ: %s has %v, %s has %v", en, enLinks, zh, zhLinks)
	}
	for name, text := range map[string]string{en: enText, zh: zhText} {
		for _, link := range repoLinks(parse(text).prose) {
			if target := path.Join(path.Dir(name), link); !exists(target) {
				add("%s links to %s, which does not exist", name, link)
			}
		}
	}
	slices.Sort(found)
	return found
}

// findReadmes lists every README.md of the repository, relative to it,
// outside hidden folders and the test data of packages.
func findReadmes(t *testing.T) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && name == "README.md" {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(found)
	return found
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	require.NoError(t, err)
	return string(b)
}

// zhOnly marks a part of a Chinese README that has no English twin: a
// glossary, notes for readers in mainland China.
var zhOnly = regexp.MustCompile(`(?s)<!-- zh-only -->.*?<!-- /zh-only -->`)

func withoutChineseOnly(s string) string { return zhOnly.ReplaceAllString(s, "") }

// doc is what the comparison looks at in one README.
type doc struct {
	blocks [][]string // each fenced code block, normalised (see codeLine)
	tables []int      // the rows of each table, header and separator included
	prose  string     // everything outside code blocks
}

var fence = regexp.MustCompile("^\\s*(```|~~~)")

func parse(s string) doc {
	var d doc
	var prose strings.Builder
	var block []string
	inBlock := false
	rows := 0
	endTable := func() {
		if rows > 0 {
			d.tables = append(d.tables, rows)
			rows = 0
		}
	}
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, " \t\r\n")
		if fence.MatchString(line) {
			if inBlock {
				d.blocks = append(d.blocks, block)
				block = nil
			}
			inBlock = !inBlock
			endTable()
			continue
		}
		if inBlock {
			if l, ok := codeLine(line); ok {
				block = append(block, l)
			}
			continue
		}
		prose.WriteString(line + "\n")
		if strings.HasPrefix(strings.TrimSpace(line), "|") {
			rows++
		} else {
			endTable()
		}
	}
	endTable()
	d.prose = prose.String()
	return d
}

// trailingComment is a comment at the end of a line of code: a # or //
// after white space. Comments may be translated; the code may not.
var trailingComment = regexp.MustCompile(`\s+(#|//)\s.*$|\s+(#|//)$`)

// codeLine normalises a line of a code block, and says whether it counts:
// comments, elisions ("… nine more …") and blank lines do not.
func codeLine(line string) (string, bool) {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "…") ||
		strings.HasPrefix(trimmed, "# ") || trimmed == "#" || strings.HasPrefix(trimmed, "// ") || trimmed == "//" {
		return "", false
	}
	return strings.TrimRight(trailingComment.ReplaceAllString(line, ""), " \t"), true
}

// mdLink is a Markdown link or image: [text](target) or [text](target "title").
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// repoLinks lists, sorted and once each, the targets of the links to files
// of the repository: not to the web, fragments cut.
func repoLinks(prose string) []string {
	seen := map[string]bool{}
	for _, m := range mdLink.FindAllStringSubmatch(prose, -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		if target, _, _ = strings.Cut(target, "#"); target != "" {
			seen[target] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// normalised counts a link to a folder, to its README.md and to its
// README.zh-CN.md as one: each language links to the READMEs of its own,
// and a folder's page on the web shows the English one.
func normalised(links []string) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "README.zh-CN.md"), "README.md")
		if l = strings.TrimSuffix(l, "/"); l == "" {
			l = "."
		}
		out = append(out, l)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
