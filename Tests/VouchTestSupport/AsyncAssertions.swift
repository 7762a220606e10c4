// AsyncAssertions.swift: XCTAssertThrowsError and XCTAssertNoThrow for async expressions
// (the service's calls are async: its store works on its own threads).
import XCTest

public func assertThrowsAsync<T>(
    _ expression: @autoclosure () async throws -> T, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line, _ handler: (Error) -> Void = { _ in }
) async {
    do {
        _ = try await expression()
        XCTFail("did not throw" + (message().isEmpty ? "" : ": \(message())"), file: file, line: line)
    } catch {
        handler(error)
    }
}

public func assertNoThrowAsync<T>(
    _ expression: @autoclosure () async throws -> T, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) async {
    do {
        _ = try await expression()
    } catch {
        XCTFail("threw \(error)" + (message().isEmpty ? "" : ": \(message())"), file: file, line: line)
    }
}
