package tarentry

// Accept -update, so that `go test ./... -update` works in every package.
import _ "github.com/kiln-dev/kiln/internal/goldenflag"
