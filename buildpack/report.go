package buildpack

import (
	"sort"
	"sync"
	"time"
)

// Report collects facts about a running build for the end-of-build summary:
// cache hits and misses, downloads, and time spent per step. A nil *Report is
// valid and records nothing, so buildpacks can call it unconditionally.
type Report struct {
	mu        sync.Mutex
	hits      []string
	misses    []string
	downloads []string
	failed    []string // downloads that failed
	steps     []StepTiming
	programs  time.Duration
	fetching  time.Duration
	// spans are the download intervals recorded by Fetched, merged and
	// sorted; their total length is part of fetching.
	spans [][2]time.Time
	// prefetch is what a background package download did.
	prefetch *PrefetchStats
}

// PrefetchStats is what a background download of packages into a package
// manager's cache did.
type PrefetchStats struct {
	// Packages and Bytes are what was downloaded.
	Packages int   `json:"packages"`
	Bytes    int64 `json:"bytes"`
	// Failed are the downloads that failed, left to the package manager.
	Failed int `json:"failed"`
	// Skipped counts the lockfile's packages not downloaded, by reason.
	Skipped map[string]int `json:"skipped"`
}

// Prefetched records what a background package download did.
func (r *Report) Prefetched(s PrefetchStats) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prefetch = &s
}

// StepTiming is the wall time of one plan step.
type StepTiming struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// CacheHit records that a cached item (a runtime, node_modules, ...) was reused.
func (r *Report) CacheHit(item string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = append(r.hits, item)
}

// CacheMiss records that a cacheable item had to be produced from scratch.
func (r *Report) CacheMiss(item string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.misses = append(r.misses, item)
}

// Download records a network request of url: a download, or, when err
// is not nil, a failed one.
func (r *Report) Download(url string, err error) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed = append(r.failed, url)
		return
	}
	r.downloads = append(r.downloads, url)
}

// Step records how long a plan step took.
func (r *Report) Step(name string, d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, StepTiming{Name: name, Duration: d})
}

// Program adds the wall time of one program run by the build.
func (r *Report) Program(d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.programs += d
}

// Fetching adds time spent downloading artifacts.
func (r *Report) Fetching(d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetching += d
}

// Fetched records a download that ran from start to end. Downloads that
// overlap (a build may fetch several artifacts at once) count once: the
// time added is what the interval adds to the union of those recorded.
func (r *Report) Fetched(start, end time.Time) {
	if r == nil || !end.After(start) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	before := spanTotal(r.spans)
	var merged [][2]time.Time
	cur := [2]time.Time{start, end}
	placed := false
	for _, s := range r.spans {
		switch {
		case s[1].Before(cur[0]):
			merged = append(merged, s)
		case cur[1].Before(s[0]):
			if !placed {
				merged = append(merged, cur)
				placed = true
			}
			merged = append(merged, s)
		default: // overlapping: widen cur
			if s[0].Before(cur[0]) {
				cur[0] = s[0]
			}
			if s[1].After(cur[1]) {
				cur[1] = s[1]
			}
		}
	}
	if !placed {
		merged = append(merged, cur)
	}
	r.spans = merged
	r.fetching += spanTotal(merged) - before
}

func spanTotal(spans [][2]time.Time) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s[1].Sub(s[0])
	}
	return d
}

// Summary is a snapshot of a Report.
type Summary struct {
	CacheHits   []string `json:"cache_hits"`
	CacheMisses []string `json:"cache_misses"`
	Downloads   []string `json:"downloads"`
	// FailedDownloads are the requests that failed (a source the build
	// could not use before another served it, say).
	FailedDownloads []string     `json:"failed_downloads,omitempty"`
	Steps           []StepTiming `json:"steps"`
	// ProgramTime is the wall time spent in programs the build ran.
	ProgramTime time.Duration `json:"program_time_ns"`
	// FetchTime is the wall time spent downloading.
	FetchTime time.Duration `json:"fetch_time_ns"`
	// Prefetch is what the background package download did, if one ran.
	Prefetch *PrefetchStats `json:"prefetch,omitempty"`
}

// Summary returns a copy of what was recorded, with hits, misses and
// downloads sorted.
func (r *Report) Summary() Summary {
	s := Summary{CacheHits: []string{}, CacheMisses: []string{}, Downloads: []string{}, Steps: []StepTiming{}}
	if r == nil {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.CacheHits = append(s.CacheHits, r.hits...)
	s.CacheMisses = append(s.CacheMisses, r.misses...)
	s.Downloads = append(s.Downloads, r.downloads...)
	s.FailedDownloads = append(s.FailedDownloads, r.failed...)
	s.Steps = append(s.Steps, r.steps...)
	s.ProgramTime = r.programs
	s.FetchTime = r.fetching
	s.Prefetch = r.prefetch
	sort.Strings(s.CacheHits)
	sort.Strings(s.CacheMisses)
	sort.Strings(s.Downloads)
	sort.Strings(s.FailedDownloads)
	return s
}
