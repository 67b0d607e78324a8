#!/usr/bin/env python3
# The second Python twin of 02-process, written for this project: it does
# what the tutorial's subprocess example (do_subprocess.py in its samples)
# does, first subprocess.call, then Popen(...).communicate(input), and
# prints the same kind of lines, so that `go run ./02-process -compare` can
# show the two runs side by side.
#
# The tutorial runs nslookup, which needs a network and is missing from many
# machines; this twin runs the Go lesson's default commands instead,
# `uname -sr` and `sort` fed three words. Like the tutorial, it prints the
# captured output with print(), which adds a newline after the command's own
# last one: hence the empty line before the second "Exit code".

import subprocess

print('$ uname -sr')
code = subprocess.call(['uname', '-sr'])
print('Exit code:', code)

print('$ sort')
sorter = subprocess.Popen(['sort'], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
output, _ = sorter.communicate(b'cherry\napple\nbanana\n')
print(output.decode('utf-8'))
print('Exit code:', sorter.returncode)
