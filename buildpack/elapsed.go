package buildpack

import "time"

// Elapsed is the time since start as build output shows it (see Duration).
func Elapsed(start time.Time) string { return Duration(time.Since(start)) }

// Duration is d as build output shows it: rounded to the millisecond, and
// "<1ms" for what took less (a rename, a link), rather than a misleading
// "0s".
func Duration(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
