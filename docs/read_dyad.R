# Read a Dyad export in R with every column's declared type (readr, jsonlite).
#
#   source("read_dyad.R")
#   dyad <- read_dyad("exports/")          # a folder of the export's files, or
#   dyad <- read_dyad("dyad-demo.zip")     # the ZIP itself
#   dyad$participants; dyad$messages; ...  # one tibble per file
#
# Types come from datapackage.json: integer -> integer, number -> double, boolean ->
# logical (true/false), datetime -> POSIXct in UTC, everything else (text, JSON lists and
# objects) -> character. Empty cells are NA. Text a spreadsheet could run as a formula was
# written with a leading apostrophe; it is taken off again here.

read_dyad <- function(path) {
  if (grepl("\\.zip$", path, ignore.case = TRUE)) {
    folder <- tempfile("dyad-")
    utils::unzip(path, exdir = folder)
    path <- folder
  }
  package <- jsonlite::fromJSON(file.path(path, "datapackage.json"), simplifyVector = FALSE)
  tables <- list()
  for (resource in package$resources) {
    if (is.null(resource$schema)) next  # the pre-registration's text and JSON
    types <- vapply(resource$schema$fields, function(f) f$type, "")
    names(types) <- vapply(resource$schema$fields, function(f) f$name, "")
    spec <- lapply(types, function(type) switch(type,
      integer = readr::col_integer(),
      number = readr::col_double(),
      boolean = readr::col_logical(),
      datetime = readr::col_datetime(format = ""),
      readr::col_character()
    ))
    table <- readr::read_csv(
      file.path(path, resource$path),
      col_types = do.call(readr::cols_only, spec),
      na = "",
      locale = readr::locale(encoding = "UTF-8", tz = "UTC"),
      progress = FALSE
    )
    issues <- readr::problems(table)
    if (nrow(issues) > 0) {
      stop(sprintf("%s: %d cells did not read as declared", resource$path, nrow(issues)))
    }
    for (name in names(types)[types == "string"]) {
      table[[name]] <- sub("^'(?=[=+\\-@\t\r])", "", table[[name]], perl = TRUE)
    }
    tables[[resource$name]] <- table
  }
  tables
}
