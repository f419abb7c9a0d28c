// Command herald is the Herald desktop app and its command line.
package main

import (
	"os"

	"github.com/heraldpush/herald/app"
	"github.com/heraldpush/herald/app/console"
)

func main() {
	args := os.Args[1:]
	// Windows' GUI build: a command prints to the console it was typed in.
	console.Attach(!app.OpensWindow(args))
	os.Exit(app.Main(args, os.Stdin, os.Stdout, os.Stderr))
}
