package buildpack

import (
	"errors"
	"fmt"
	"syscall"
)

// UserError is a mistake the user can fix: bad JSON, an impossible version,
// conflicting lockfiles. It prints as the platform's " !     " block and makes
// the build exit 1, never with a stack trace.
type UserError struct {
	// Msg says what is wrong and where.
	Msg string
	// Hint says what to do about it; may be empty.
	Hint string
}

// Error implements error.
func (e *UserError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "\n" + e.Hint
}

// Userf builds a UserError from a format string.
func Userf(format string, args ...any) *UserError {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// WithHint returns a copy of e carrying hint.
func (e *UserError) WithHint(hint string) *UserError {
	c := *e
	c.Hint = hint
	return &c
}

// AsUserError reports whether err is (or wraps) a UserError and returns it.
func AsUserError(err error) (*UserError, bool) {
	var u *UserError
	if errors.As(err, &u) {
		return u, true
	}
	return nil, false
}

// ExitError carries the exit status of a failed build command, so the classic
// compile can exit with the same status as the failing script.
type ExitError struct {
	// Step is the plan step that failed.
	Step string
	// Code is the program's exit status.
	Code int
	// Err is the underlying error.
	Err error
}

// Error implements error.
func (e *ExitError) Error() string {
	return fmt.Sprintf("step %s failed with exit status %d", e.Step, e.Code)
}

// Unwrap returns the underlying error.
func (e *ExitError) Unwrap() error { return e.Err }

// DiskFull reports whether err comes from a full disk (or an exhausted
// quota): retrying another source or checking the network cannot help.
func DiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// DiskFullHint is the advice for an error DiskFull recognises.
const DiskFullHint = "The disk is full (or the quota reached) where the build writes: the app's .kiln, the cache or TMPDIR. " +
	"Free some space (`kiln cache prune` removes old caches) and build again."
