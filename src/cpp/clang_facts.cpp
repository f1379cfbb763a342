#include "cpp/clang_facts.h"

#include <mutex>

#include "cpp/library_model.h"

#ifdef QG_HAVE_LIBCLANG
#include "cpp/libclang_loader.h"
#endif

namespace qg::cpp {

namespace fs = std::filesystem;

#ifdef QG_HAVE_LIBCLANG

namespace {

// Only reached once ClangSession::open found the library.
const LibClang& api() { return *libclang(); }

std::string take(CXString s) {
  const char* c = api().clang_getCString(s);
  std::string out = c ? c : "";
  api().clang_disposeString(s);
  return out;
}

// "liboai::OpenAI" for the declaration of a record type (namespaces and classes, no templates).
std::string qualified_name(CXCursor decl) {
  std::string out;
  for (CXCursor c = decl; !api().clang_Cursor_isNull(c) && api().clang_getCursorKind(c) != CXCursor_TranslationUnit;
       c = api().clang_getCursorSemanticParent(c)) {
    std::string part = take(api().clang_getCursorSpelling(c));
    if (part.empty()) continue;  // anonymous and inline namespaces add nothing a user would write
    out = out.empty() ? part : part + "::" + out;
  }
  return out;
}

// The library client type a declared type holds, through references, pointers, typedefs,
// `auto` and holder templates (`std::unique_ptr<T>`, `std::reference_wrapper<T>`, ...).
std::string client_type_of(CXType t, const LibraryModel& model, int depth = 0) {
  if (depth > 8) return {};
  t = api().clang_getCanonicalType(t);
  if (t.kind == CXType_LValueReference || t.kind == CXType_RValueReference || t.kind == CXType_Pointer)
    return client_type_of(api().clang_getPointeeType(t), model, depth + 1);
  if (t.kind != CXType_Record) return {};
  const std::string name = qualified_name(api().clang_getTypeDeclaration(t));
  if (model.library_of_type(name)) return name;
  if (api().clang_Type_getNumTemplateArguments(t) > 0) return client_type_of(api().clang_Type_getTemplateArgumentAsType(t, 0), model, depth + 1);
  return {};
}

struct Visit {
  const LibraryModel& model;
  CXFile main_file;
  uint32_t bom;
  ClangFacts facts;
};

CXChildVisitResult visit(CXCursor c, CXCursor, CXClientData data) {
  auto& v = *static_cast<Visit*>(data);
  const CXCursorKind k = api().clang_getCursorKind(c);
  if (k == CXCursor_VarDecl || k == CXCursor_FieldDecl || k == CXCursor_ParmDecl) {
    CXFile file;
    unsigned offset = 0;
    api().clang_getSpellingLocation(api().clang_getCursorLocation(c), &file, nullptr, nullptr, &offset);
    if (file && api().clang_File_isEqual(file, v.main_file) && offset >= v.bom) {
      if (std::string type = client_type_of(api().clang_getCursorType(c), v.model); !type.empty())
        v.facts.declared_types[offset - v.bom] = std::move(type);
    }
  }
  return CXChildVisit_Recurse;
}

}  // namespace

// libclang allows concurrent parses in distinct indexes: one per worker thread.
CXIndex thread_index() {
  struct Holder {
    CXIndex index = api().clang_createIndex(0, 0);
    ~Holder() { api().clang_disposeIndex(index); }
  };
  thread_local Holder holder;
  return holder.index;
}

struct ClangSession::Impl {
  CXCompilationDatabase db = nullptr;
  std::mutex db_mutex;  // the database makes no thread-safety promise
  ~Impl() {
    if (db) api().clang_CompilationDatabase_dispose(db);
  }
};

ClangSession ClangSession::open(const fs::path& root, const std::optional<fs::path>& dir, std::vector<std::string>& notes) {
  std::string why;
  if (!libclang(&why)) {
    notes.push_back(why + ": C++ falls back to tree-sitter");
    return ClangSession(nullptr);
  }
  std::vector<fs::path> candidates = dir ? std::vector<fs::path>{*dir} : std::vector<fs::path>{root / "build", root};
  std::error_code ec;
  for (const auto& d : candidates) {
    if (!fs::exists(d / "compile_commands.json", ec)) continue;
    CXCompilationDatabase_Error err = CXCompilationDatabase_NoError;
    CXCompilationDatabase db = api().clang_CompilationDatabase_fromDirectory(d.string().c_str(), &err);
    if (err != CXCompilationDatabase_NoError || !db) continue;
    auto impl = std::make_unique<Impl>();
    impl->db = db;
    return ClangSession(std::move(impl));
  }
  notes.push_back(dir ? "no compile_commands.json in " + dir->string() + ": C++ falls back to tree-sitter"
                      : "no compile_commands.json found (use -p DIR): C++ falls back to tree-sitter");
  return ClangSession(nullptr);
}

std::optional<ClangFacts> ClangSession::facts_for(const fs::path& file, const SourceText& text) {
  // The compiler's own flags, without the driver, the output and the input (given apart).
  std::vector<std::string> args;
  {
    std::lock_guard lock(impl_->db_mutex);
    CXCompileCommands cmds = api().clang_CompilationDatabase_getCompileCommands(impl_->db, file.string().c_str());
    if (!cmds) return std::nullopt;
    if (api().clang_CompileCommands_getSize(cmds) > 0) {
      CXCompileCommand cmd = api().clang_CompileCommands_getCommand(cmds, 0);
      args.push_back("-working-directory=" + take(api().clang_CompileCommand_getDirectory(cmd)));
      const unsigned n = api().clang_CompileCommand_getNumArgs(cmd);
      const std::string source = take(api().clang_CompileCommand_getFilename(cmd));
      for (unsigned i = 1; i < n; ++i) {
        std::string a = take(api().clang_CompileCommand_getArg(cmd, i));
        if (a == "-o") { ++i; continue; }
        if (a == "-c" || a == source || fs::path(a) == file) continue;
        args.push_back(std::move(a));
      }
    }
    api().clang_CompileCommands_dispose(cmds);
  }
  if (args.empty()) return std::nullopt;
  std::optional<ClangFacts> out;
  {
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    const std::string path = file.string();
    CXUnsavedFile unsaved{path.c_str(), text.bytes.data(), static_cast<unsigned long>(text.bytes.size())};
    CXTranslationUnit tu = nullptr;
    const CXErrorCode rc = api().clang_parseTranslationUnit2(thread_index(), path.c_str(), argv.data(), static_cast<int>(argv.size()),
                                                       &unsaved, 1, CXTranslationUnit_KeepGoing, &tu);
    if (rc == CXError_Success && tu) {
      Visit v{LibraryModel::get(), api().clang_getFile(tu, path.c_str()), text.bom_length, {}};
      api().clang_visitChildren(api().clang_getTranslationUnitCursor(tu), visit, &v);
      out = std::move(v.facts);
    }
    if (tu) api().clang_disposeTranslationUnit(tu);
  }
  return out;
}

#else  // built without libclang

struct ClangSession::Impl {};

ClangSession ClangSession::open(const fs::path&, const std::optional<fs::path>&, std::vector<std::string>& notes) {
  notes.push_back("this quotaguard was built without libclang: C++ falls back to tree-sitter");
  return ClangSession(nullptr);
}

std::optional<ClangFacts> ClangSession::facts_for(const fs::path&, const SourceText&) { return std::nullopt; }

#endif

ClangSession::ClangSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClangSession::ClangSession(ClangSession&&) noexcept = default;
ClangSession::~ClangSession() = default;

}  // namespace qg::cpp
