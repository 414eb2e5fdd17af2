// Package inpod holds what the Go code shares with the Makefile and the scripts
// at the repository's root.
package inpod

import (
	_ "embed"
	"strings"
)

//go:embed K8S_VERSION
var k8sVersion string

// K8sVersion is the default Kubernetes version of the kind node and the offline
// images: the file K8S_VERSION, which the Makefile and scripts read too.
func K8sVersion() string { return strings.TrimSpace(k8sVersion) }
