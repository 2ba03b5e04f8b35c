//go:build !linux

package local

import "errors"

// exchangeDirs is not available: the caller renames in two steps.
func exchangeDirs(_, _ string) error { return errors.ErrUnsupported }
