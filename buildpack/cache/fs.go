package cache

import "syscall"

// SameFilesystem reports whether paths a and b are on one filesystem, where
// hard links and renames between them work (false when either cannot be
// examined).
func SameFilesystem(a, b string) bool {
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev
}
