// The etcd server the test control plane (tests/env/kube-up) stores its
// objects in, built from the pinned go.etcd.io/etcd/server/v3 module: its
// command line is etcd's own.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
