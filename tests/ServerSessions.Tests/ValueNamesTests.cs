using System.Text;

namespace ServerSessions.Tests;

public sealed class ValueNamesTests
{
    [Fact]
    public void LoadingTheSameSessionTwice_SharesItsValueNames()
    {
        var json = """{"cart-items":[1,2],"visits":3,"__created":1764201600000}"""u8;
        var first = SessionPayload.Parse(json);
        var second = SessionPayload.Parse(json);
        Assert.Equal(["cart-items", "visits"], second.Values.Keys.Order(StringComparer.Ordinal));
        foreach (var name in first.Values.Keys)
        {
            Assert.Same(name, second.Values.Keys.Single(key => key == name));
        }
    }

    [Theory]
    [InlineData("""{"caf\u00e9":1}""", "café")]
    [InlineData("""{"café":1}""", "café")]
    [InlineData("""{"a\"b":1}""", "a\"b")]
    public void EscapedAndNonAsciiNames_ReadAsWritten(string json, string name)
    {
        var payload = SessionPayload.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal("1", Encoding.UTF8.GetString(payload.Values[name]));
    }

    [Fact]
    public void LongNames_ReadAsWritten_WithoutBeingKept()
    {
        var name = new string('n', 65) + Guid.NewGuid().ToString("N");
        var payload = SessionPayload.Parse(Encoding.UTF8.GetBytes($$"""{"{{name}}":1}"""));
        Assert.Equal(name, Assert.Single(payload.Values.Keys));
        var again = SessionPayload.Parse(Encoding.UTF8.GetBytes($$"""{"{{name}}":1}"""));
        Assert.NotSame(payload.Values.Keys.Single(), again.Values.Keys.Single());
    }

    [Fact]
    public void NameThatIsNotUtf8_IsStillReportedCorrupt()
    {
        byte[] json = [.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8];
        Assert.Throws<SessionDataException>(() => SessionPayload.Parse(json));
    }
}
