//go:build !linux

package cache

import (
	"io/fs"
	"time"
)

// ChangeTime is the modification time where the inode change time is not
// read (kiln builds on Linux).
func ChangeTime(info fs.FileInfo) time.Time { return info.ModTime() }
