// Package cli implements the witgo command line; cmd/witgo only calls Run.
//
// Every command speaks in the go command's voice: a usage error is one line
// naming what is wrong, then the command's usage line, exit status 2; -h or
// --help prints the command's full help to standard output, exit status 0;
// a failure is one line "witgo: ...", exit status 1; success is silent
// unless asked (-v).
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

const help = `witgo generates Go bindings, wRPC clients and servers from WIT, and serves
keyvalue worlds.

Usage:

	witgo <command> [arguments]

The commands are:

	generate    generate Go from WIT
	serve       serve every bundled keyvalue family over wRPC
	scaffold    write a new keyvalue provider module
	wit         list or export the bundled WIT
	version     print witgo's version

Run 'witgo <command> -h' for the help of a command.
`

// Run runs the witgo command with args (without the program name) and
// returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "witgo: missing command\n\n"+help)
		return 2
	}
	switch args[0] {
	case "generate":
		return runGenerate(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "scaffold":
		return runScaffold(args[1:], stdout, stderr)
	case "wit":
		return runWit(args[1:], stdout, stderr)
	case "version":
		c := newCommand("witgo version", "witgo version", "Version prints the module version witgo was built from.\n", stdout, stderr)
		if code, done := c.parse(args[1:]); done {
			return code
		}
		if c.fl.NArg() > 0 {
			return c.usageError("unexpected arguments %q", c.fl.Args())
		}
		fmt.Fprintln(stdout, "witgo", Version())
		return 0
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			// "witgo help generate" is "witgo generate -h".
			return Run(append(args[1:], "-h"), stdout, stderr)
		}
		fmt.Fprint(stdout, help)
		return 0
	default:
		fmt.Fprintf(stderr, "witgo: unknown command %q\nRun 'witgo -h' for the list of commands.\n", args[0])
		return 2
	}
}

// Version is the module version witgo was built from, or "(devel)".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// command is one witgo command or subcommand: its flags, its usage line
// and its help.
type command struct {
	name   string // "witgo generate"
	usage  string // "witgo generate [flags] WIT_PATH"
	help   string // what -h prints after the usage line
	fl     *flag.FlagSet
	stdout io.Writer
	stderr io.Writer
}

func newCommand(name, usage, help string, stdout, stderr io.Writer) *command {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(io.Discard) // parse reports errors in its own words
	fl.Usage = func() {}
	return &command{name: name, usage: usage, help: help, fl: fl, stdout: stdout, stderr: stderr}
}

// parse parses args. When done is true the command is over with exit code
// code: -h printed the help, or the flags were wrong.
func (c *command) parse(args []string) (code int, done bool) {
	err := c.fl.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		c.printHelp()
		return 0, true
	default:
		return c.usageError("%v", err), true
	}
}

// printHelp prints the full help to standard output.
func (c *command) printHelp() {
	fmt.Fprintf(c.stdout, "usage: %s\n\n%s", c.usage, c.help)
	hasFlags := false
	c.fl.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(c.stdout, "\nFlags:\n")
		c.fl.SetOutput(c.stdout)
		c.fl.PrintDefaults()
		c.fl.SetOutput(io.Discard)
	}
}

// usageError prints what is wrong and the usage line, and returns exit code 2.
func (c *command) usageError(format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(c.stderr, "%s: %s\nusage: %s\nRun '%s -h' for details.\n", c.name, msg, c.usage, c.name)
	return 2
}

// fail prints err as one line and returns exit code 1. An error whose text
// already starts with a source position (file:line:col) is printed as it is,
// as compilers do.
func (c *command) fail(err error) int {
	msg := err.Error()
	if !hasPosition(msg) {
		msg = "witgo: " + msg
	}
	fmt.Fprintln(c.stderr, strings.TrimRight(msg, "\n"))
	return 1
}

// hasPosition reports whether msg starts with "file:line:col:".
func hasPosition(msg string) bool {
	first, _, _ := strings.Cut(msg, "\n")
	parts := strings.SplitN(first, ":", 4)
	if len(parts) < 4 {
		return false
	}
	for _, p := range parts[1:3] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
