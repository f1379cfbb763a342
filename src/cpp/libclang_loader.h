// libclang is loaded with dlopen the first time precise mode is asked for. Linking it would
// load libLLVM (and z3, ICU, libxml2) into every quotaguard process: ~15 ms of start-up that a
// pre-commit run cannot afford, for a backend most runs never use.
#pragma once

#include <string>

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

namespace qg::cpp {

#define QG_LIBCLANG_FUNCTIONS(X)                                                                         \
  X(clang_CompilationDatabase_dispose) X(clang_CompilationDatabase_fromDirectory)                       \
  X(clang_CompilationDatabase_getCompileCommands) X(clang_CompileCommand_getArg)                        \
  X(clang_CompileCommand_getDirectory) X(clang_CompileCommand_getFilename)                              \
  X(clang_CompileCommand_getNumArgs) X(clang_CompileCommands_dispose) X(clang_CompileCommands_getCommand) \
  X(clang_CompileCommands_getSize) X(clang_Cursor_isNull) X(clang_File_isEqual)                         \
  X(clang_Type_getNumTemplateArguments) X(clang_Type_getTemplateArgumentAsType) X(clang_createIndex)    \
  X(clang_disposeIndex) X(clang_disposeString) X(clang_disposeTranslationUnit) X(clang_getCString)      \
  X(clang_getCanonicalType) X(clang_getCursorKind) X(clang_getCursorLocation)                           \
  X(clang_getCursorSemanticParent) X(clang_getCursorSpelling) X(clang_getCursorType) X(clang_getFile)   \
  X(clang_getPointeeType) X(clang_getSpellingLocation) X(clang_getTranslationUnitCursor)                \
  X(clang_getTypeDeclaration) X(clang_parseTranslationUnit2) X(clang_visitChildren)

// The entry points quotaguard uses, resolved from the loaded library.
struct LibClang {
#define QG_LIBCLANG_POINTER(name) decltype(&::name) name = nullptr;
  QG_LIBCLANG_FUNCTIONS(QG_LIBCLANG_POINTER)
#undef QG_LIBCLANG_POINTER
};

// The loaded library, or nullptr with `why` set (not installed, a symbol missing). Thread-safe;
// tried once per process.
const LibClang* libclang(std::string* why = nullptr);

}  // namespace qg::cpp
