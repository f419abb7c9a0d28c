/* A stand-in bcryptprimitives.dll for Wine 8 (a test fixture, never shipped).
 *
 * Go 1.22+ Windows programs get their random bytes from ProcessPrng in
 * bcryptprimitives.dll and will not start without it; Wine 8.0 (Debian 12's)
 * lacks that export. packaging/wine_test.go builds this with mingw-w64
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 * and copies it into the prefix's windows/system32, the only place Go loads
 * it from. It fills the buffer from RtlGenRandom, as Windows' own does from
 * its kernel RNG. */
#include <windows.h>

/* RtlGenRandom is exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
