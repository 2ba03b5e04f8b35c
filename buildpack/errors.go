package buildpack

import (
	"errors"
	"fmt"
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
