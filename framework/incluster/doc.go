// Package incluster runs the compiled suites inside a cluster: as a Job under
// a confined runner (manifests/job) or as a Sonobuoy plugin; the runner's RBAC
// model and preflight, the workspaces it may work in, an intent file's extra
// objects, the release manifest, and bringing the reports back.
package incluster
