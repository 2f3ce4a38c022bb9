// Package browsertest drives a real browser (Debian's chromium, headless)
// through the sandbox's checkout page and dashboard, as a customer and a
// test merchant would. It holds tests only; it is a package of its own so
// that the browser's goroutines and process are set up and torn down apart
// from the sandbox package's leak check.
package browsertest
