package buildpack

import (
	"errors"
	"fmt"

	"github.com/kiln-dev/kiln/internal/approot"
)

// RefuseEscapes fails with a UserError when one of rels, paths relative to
// app that kiln reads, writes or removes, leads outside app through a
// symbolic link the app contains (see package approot): the app is not
// trusted to choose where kiln's files go.
func RefuseEscapes(app string, rels ...string) error {
	return EscapeUserError(approot.Check(app, rels...))
}

// EscapeUserError turns an *approot.EscapeError in err into the UserError
// that names the path, the link and its target; any other error is
// returned as it is.
func EscapeUserError(err error) error {
	var esc *approot.EscapeError
	if !errors.As(err, &esc) {
		return err
	}
	hint := fmt.Sprintf("Remove the link (`git rm %s`) or make it point inside the app.", esc.Link)
	switch {
	case esc.Loop:
		return &UserError{Msg: fmt.Sprintf("The app's %s cannot be used: too many levels of symbolic links (at %s)", esc.Path, esc.Link), Hint: hint}
	case esc.Link == "":
		return &UserError{Msg: fmt.Sprintf("%s is outside the app", esc.Path)}
	case esc.Link == esc.Path:
		return &UserError{Msg: fmt.Sprintf("The app's %s is a symbolic link to %s, outside the app: kiln does not read or write through links that leave the app", esc.Link, esc.Target), Hint: hint}
	}
	return &UserError{Msg: fmt.Sprintf("The app's %s leads outside the app: %s is a symbolic link to %s, and kiln does not read or write through links that leave the app", esc.Path, esc.Link, esc.Target), Hint: hint}
}
