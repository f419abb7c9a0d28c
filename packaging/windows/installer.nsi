; Herald's Windows installer (NSIS 3). Per-user: no administrator rights, the
; app goes to %LOCALAPPDATA%\Programs\Herald, a Start-menu shortcut to the
; user's Start menu and the uninstaller is registered under HKCU.
;
; packaging/windows/package builds it on Linux:
;   makensis -DVERSION=0.1.0 -DVIVERSION=0.1.0.0 -DEXE=Herald.exe \
;            -DICON=herald.ico -DOUTFILE=setup.exe installer.nsi
; and -DCONSOLE=herald.com adds the console twin beside Herald.exe,
; -DTRAY=Herald-tray.exe the tray process Herald.exe hands over to.

!ifndef VERSION | VIVERSION | EXE | ICON | OUTFILE
  !error "define VERSION, VIVERSION, EXE, ICON and OUTFILE"
!endif

!define APPNAME "Herald"
!define APPID "io.github.heraldpush.herald"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}"
; Written by the app itself when "Start at login" is on (app/autostart).
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"

Unicode true
; A 64-bit stub: Herald is amd64-only, and a 64-bit Wine (as in CI) runs it.
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
BrandingText "${APPNAME} ${VERSION}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "StrFunc.nsh"
${StrStr}
${UnStrRep}

; Toasts name their sender by this key (ui/toast writes it at start).
!define AUMIDKEY "Software\Classes\AppUserModelId\${APPID}"

; The user PATH gets $INSTDIR, so `herald …` in a new cmd or PowerShell runs
; the console twin (herald.com, found before Herald.exe). NSIS strings hold
; NSIS_MAX_STRLEN characters: a longer PATH is left alone rather than cut.
!macro AddToPath
  ReadRegStr $0 HKCU "Environment" "Path"
  StrLen $1 $0
  IntOp $3 ${NSIS_MAX_STRLEN} - 1
  ${If} $1 >= $3
    DetailPrint "PATH is too long to change: add $INSTDIR yourself to type herald in a console"
  ${Else}
    ${StrStr} $2 "$0;" "$INSTDIR;"
    ${If} $2 == ""
      ${If} $0 == ""
        StrCpy $0 "$INSTDIR"
      ${Else}
        StrCpy $0 "$0;$INSTDIR"
      ${EndIf}
      WriteRegExpandStr HKCU "Environment" "Path" "$0"
      SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
    ${EndIf}
  ${EndIf}
!macroend

!macro RemoveFromPath
  ReadRegStr $0 HKCU "Environment" "Path"
  StrLen $1 $0
  IntOp $3 ${NSIS_MAX_STRLEN} - 1
  ${If} $1 < $3
  ${AndIf} $0 != ""
    StrCpy $0 ";$0;"
    ${UnStrRep} $0 "$0" ";$INSTDIR;" ";"
    StrCpy $0 $0 "" 1
    StrCpy $0 $0 -1
    WriteRegExpandStr HKCU "Environment" "Path" "$0"
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
  ${EndIf}
!macroend

; Windows will not overwrite or delete a running exe, so a running Herald
; (the tray, its window, the daemon or a command) is ended first: taskkill
; /F, as a tray app hides rather than quits on WM_CLOSE. Then waits up to
; 10 s for each exe to be released. Wine has taskkill too (the CI test uses
; it).
!macro CloseExe NAME
  nsExec::ExecToLog '"$SYSDIR\taskkill.exe" /F /IM ${NAME}'
  Pop $0
  ${If} $0 == 0
  ${AndIf} ${FileExists} "$INSTDIR\${NAME}"
    DetailPrint "Closed the running ${NAME}"
    StrCpy $1 0
    ${Do}
      ClearErrors
      FileOpen $2 "$INSTDIR\${NAME}" a
      ${IfNot} ${Errors}
        FileClose $2
        ${Break}
      ${EndIf}
      IntOp $1 $1 + 1
      ${If} $1 > 40
        ${Break}
      ${EndIf}
      Sleep 250
    ${Loop}
  ${EndIf}
!macroend

; The tray first: it would otherwise start the window again when asked.
!macro CloseHerald
  !insertmacro CloseExe Herald-tray.exe
  !insertmacro CloseExe Herald.exe
!macroend

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\Herald.exe"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the fallback; Windows picks the user's if listed.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APPNAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Herald developers"

Section "Herald" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  !insertmacro CloseHerald
  File "/oname=Herald.exe" "${EXE}"
  !ifdef TRAY
    File "/oname=Herald-tray.exe" "${TRAY}"
  !endif
  !ifdef CONSOLE
    File "/oname=herald.com" "${CONSOLE}"
    !insertmacro AddToPath
  !endif
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\Herald.exe" "" "$INSTDIR\Herald.exe" 0

  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "Herald developers"
  WriteRegStr HKCU "${UNINSTKEY}" "URLInfoAbout" "https://github.com/heraldpush/herald"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\Herald.exe,0"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

; Removes the program, its shortcut, its registration and the login entry.
; The data folder (%AppData%\herald) and the keyring entries stay: they are
; the user's channels, tasks and history.
Section "Uninstall"
  SetShellVarContext current
  !insertmacro CloseHerald
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$INSTDIR\Herald.exe"
  Delete "$INSTDIR\Herald-tray.exe"
  Delete "$INSTDIR\herald.com"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegValue HKCU "${RUNKEY}" "${APPNAME}"
  DeleteRegKey HKCU "${UNINSTKEY}"
  DeleteRegKey HKCU "${AUMIDKEY}"
  RMDir /r "$LOCALAPPDATA\${APPID}"
  !insertmacro RemoveFromPath
SectionEnd
