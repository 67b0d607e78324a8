package main

import "syscall"

// threadIDsAvailable says that threadID returns real IDs here.
const threadIDsAvailable = true

// threadID returns the kernel's ID of the OS thread the calling goroutine
// runs on at this moment. The scheduler may move the goroutine to another
// thread at any later point, so the ID says where it was, not where it lives.
func threadID() int { return syscall.Gettid() }
