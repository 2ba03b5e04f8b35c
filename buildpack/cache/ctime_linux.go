package cache

import (
	"io/fs"
	"syscall"
	"time"
)

// ChangeTime is when the inode behind info last changed: its content, its
// entries (a directory), its permissions or its links. Unlike the
// modification time, no program can set it back.
func ChangeTime(info fs.FileInfo) time.Time {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return info.ModTime()
}
