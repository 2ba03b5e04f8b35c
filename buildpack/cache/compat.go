package cache

// Deprecated forms kept while the stores move onto Store and Spare.

// ClaimSpare is Spare{Path: path}.Claim.
func ClaimSpare(path string) (string, error) { return Spare{Path: path}.Claim() }

// DiscardSpare is Spare{Path: path}.Discard.
func DiscardSpare(path string) { Spare{Path: path}.Discard() }

// BuildSpare is Spare{Path: path}.Build.
func BuildSpare(path string, fill func(dst string) error) error { return Spare{Path: path}.Build(fill) }

// StartSpare is Spare{Path: path}.Start.
func StartSpare(path string) (*Partial, error) { return Spare{Path: path}.Start() }

// RemoveSpareLeftovers deletes the temporary spares in dir.
func RemoveSpareLeftovers(dir string) { RemoveTemporaries(dir, SparePrefix) }

// RemoveLeftovers is RemoveTemporaries.
func RemoveLeftovers(dir, prefix string) { RemoveTemporaries(dir, prefix) }

// RemoveLeftovers deletes what killed saves left behind.
func (s Store) RemoveLeftovers() { RemoveTemporaries(s.Root, s.tempPrefix()) }
