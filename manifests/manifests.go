// Package manifests carries the YAML the suites deploy — the guide's objects and
// the kind cluster configs — inside the suite binary, so the in-cluster Job needs
// no files beside it.
package manifests

import "embed"

// FS holds kind/ (with its profiles), guide/, job/, sonobuoy/ and
// images/stand-ins.yaml.
//
//go:embed kind/*.yaml kind/profiles guide/*.yaml job/*.yaml sonobuoy/*.yaml images/stand-ins.yaml
var FS embed.FS
