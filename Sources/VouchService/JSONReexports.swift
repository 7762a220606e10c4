// JSONReexports.swift: the one JSON path (VouchCore's) as the layers above the service see
// it, so that they depend on the service alone.
import VouchCore

public typealias JSON = VouchCore.JSON
public typealias JSONValue = VouchCore.JSONValue
public typealias JSONInputError = VouchCore.JSONInputError
