import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { InseeCode } from "../src/index.js";

describe("INSEE commune codes", () => {
  it.each(["01001", "2A004", "2B033", "97411", "97608", "75056", "75101", "75120", "69381", "69389", "13201", "13216", "95690"])("accepts %s", (code) => {
    expect(InseeCode.isInseeCode(code)).toBe(true);
  });
  it.each(["", "1001", "010011", "20001", "2C004", "96001", "97701", "98735", "75121", "75100", "69380", "13217", "00001", "2a004"])("refuses %s", (code) => {
    expect(InseeCode.isInseeCode(code)).toBe(false);
  });
  it("gives the département, three digits overseas", () => {
    const decode = Schema.decodeUnknownSync(InseeCode.InseeCode);
    expect(InseeCode.departementOf(decode("2A004"))).toBe("2A");
    expect(InseeCode.departementOf(decode("97411"))).toBe("974");
    expect(InseeCode.departementOf(decode("69381"))).toBe("69");
  });
});
