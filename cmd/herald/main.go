// Command herald is the Herald desktop app and its command line.
package main

import (
	"os"

	"github.com/heraldpush/herald/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
