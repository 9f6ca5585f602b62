#pragma once
/// @file option_error.hpp
/// Bad options of an experiment (sweep, plan), named by their field in the options struct
/// ("slos", "failures", "axes", ...) rather than by how a front end spells them: the command line
/// maps fields to its flags (cli/option_flags.hpp), other callers print the field.
#include <string>
#include <utility>

#include "models/common/error.hpp"

namespace cgsim::analysis {

class OptionError : public InputError {
 public:
  /// @param field   the option's field, e.g. "slos"
  /// @param subject what in it is wrong, e.g. an SLO name or a field path (may be empty)
  /// @param detail  what was expected
  /// @param hint    another option's field that is the right place for this value (may be empty)
  OptionError(std::string field, std::string subject, std::string detail, std::string hint = {})
      : InputError(field + (subject.empty() ? "" : " " + subject) + ": " + detail +
                   (hint.empty() ? "" : " (option " + hint + ")")),
        field_(std::move(field)), subject_(std::move(subject)), detail_(std::move(detail)), hint_(std::move(hint)) {}
  const std::string& field() const { return field_; }
  const std::string& subject() const { return subject_; }
  const std::string& detail() const { return detail_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string field_, subject_, detail_, hint_;
};

}  // namespace cgsim::analysis
