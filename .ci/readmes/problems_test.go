package readmes

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A pair that says the same, and drifted copies of it: each drift is found.
const (
	enGood = "English | [中文](README.zh-CN.md)\n\n# Lesson\n\nRun it ([main.go](main.go), [top](../README.md), " +
		"[web](https://example.org)):\n\n```sh\ngo run ./01-fork   # the demo\n# a comment line\n```\n\n" +
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nHello\n  … two more …\n```\n"
	zhGood = "[English](README.md) | 中文\n\n# 课程\n\n运行（[main.go](main.go)、[总览](../README.zh-CN.md#总览)、" +
		"[网页](https://example.org/zh)）：\n\n```sh\ngo run ./01-fork   # 演示\n# 注释\n```\n\n" +
		"| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n<!-- zh-only -->\n## 术语表\n\n| 词 | 中文 |\n|---|---|\n| x | y |\n<!-- /zh-only -->\n\n" +
		"```\nHello\n  … 还有两行 …\n```\n"
)

func exist(names ...string) func(string) bool {
	return func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
}

var allExist = exist("01-fork/main.go", "README.md", "README.zh-CN.md", "01-fork/README.md", "01-fork/README.zh-CN.md")

func TestATwinThatSaysTheSamePasses(t *testing.T) {
	assert.Empty(t, problems("01-fork/README.md", enGood, "01-fork/README.zh-CN.md", zhGood, allExist))
}

func TestEveryDriftIsFound(t *testing.T) {
	for _, tt := range []struct {
		name, zh, want string
	}{
		{"a command changed", strings.Replace(zhGood, "go run ./01-fork", "go run ./02-process", 1), "code block 1 differs"},
		{"output changed", strings.Replace(zhGood, "Hello", "你好", 1), "code block 2 differs"},
		{"a code block missing", strings.Replace(zhGood, "```\nHello\n  … 还有两行 …\n```\n", "", 1), "code blocks"},
		{"a table row missing", strings.Replace(zhGood, "| 1 | 2 |\n", "", 1), "the tables differ"},
		{"a link missing", strings.Replace(zhGood, "[main.go](main.go)、", "", 1), "the links to files differ"},
		{"a link to another folder", strings.Replace(zhGood, "(../README.zh-CN.md#总览)", "(../02-process/README.zh-CN.md)", 1), "the links to files differ"},
		{"a link to a file that does not exist", strings.Replace(zhGood, "(main.go)", "(mian.go)", 1), "mian.go, which does not exist"},
		{"no link to the English twin", strings.Replace(zhGood, "[English](README.md) | 中文", "中文", 1), "link to its English twin"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := problems("01-fork/README.md", enGood, "01-fork/README.zh-CN.md", tt.zh, allExist)
			assert.NotEmpty(t, got)
			assert.Contains(t, strings.Join(got, "\n"), tt.want)
		})
	}
	got := problems("01-fork/README.md", strings.TrimPrefix(enGood, "English | [中文](README.zh-CN.md)\n"), "01-fork/README.zh-CN.md", zhGood, allExist)
	assert.Contains(t, strings.Join(got, "\n"), "link to its Chinese twin")
}

func TestAFolderAndItsReadmesAreOneLink(t *testing.T) {
	assert.Equal(t, []string{".", "../06-lock"}, normalised([]string{"../06-lock", "../06-lock/README.zh-CN.md", "README.md", "README.zh-CN.md"}))
}

func TestTranslatedCommentsAndElisionsDoNotCount(t *testing.T) {
	a, _ := codeLine("go run ./01-fork   # the demo")
	b, _ := codeLine("go run ./01-fork   # 演示")
	assert.Equal(t, a, b)
	_, counts := codeLine("  … nine more …")
	assert.False(t, counts)
	_, counts = codeLine("// 注释")
	assert.False(t, counts)
	kept, _ := codeLine("x := a#b")
	assert.Equal(t, "x := a#b", kept, "a # inside code is code")
}
