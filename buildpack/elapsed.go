package buildpack

import "time"

// Elapsed is the time since start as build output shows it: rounded to the
// millisecond, and "<1ms" for what took less (a rename, a link), rather
// than a misleading "0s".
func Elapsed(start time.Time) string {
	d := time.Since(start)
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
