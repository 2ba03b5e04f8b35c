module github.com/kiln-dev/kiln

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/klauspost/compress v1.20.4
	github.com/otiai10/copy v1.14.1
	github.com/stretchr/testify v1.12.1
	github.com/tidwall/gjson v1.20.2
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.24.0
)

require (
	github.com/otiai10/mint v1.6.3 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/sync v0.8.0 // indirect
)
