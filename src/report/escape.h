// Escaping for the report formats: one place, so that no format forgets a character.
#pragma once

#include <string>
#include <string_view>

namespace qg::report {

// XML/HTML text and attribute values: & < > " ' (and control characters XML 1.0 forbids,
// replaced by U+FFFD so that a parser never rejects the document).
std::string xml_escape(std::string_view s);

// A GitHub Actions workflow command's message (% CR LF) and property values (also : and ,).
std::string github_data_escape(std::string_view s);
std::string github_property_escape(std::string_view s);

// Text inside a Markdown table cell: | and line breaks, and HTML that GitHub would interpret.
std::string markdown_cell(std::string_view s);
// An inline code span that survives backticks inside the text (CommonMark: a longer fence).
std::string markdown_code(std::string_view s);

// A relative path as a URI reference (RFC 3986): '/' kept, everything outside unreserved
// characters percent-encoded.
std::string uri_path(std::string_view path);

}  // namespace qg::report
