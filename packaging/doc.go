// Package packaging holds what turns Herald into installable packages:
// fyne-package (fyne package on a snapshot of the module), linux/ (.tar.xz
// and .deb), windows/ (cross-built .exe and NSIS installer), darwin/ (.app
// and .dmg, on a Mac) and icons/ (icon sizes rendered at package time).
// packaging_test.go checks what `make package-linux` and `make
// package-windows` wrote to dist/; `make package-test` runs it.
package packaging
