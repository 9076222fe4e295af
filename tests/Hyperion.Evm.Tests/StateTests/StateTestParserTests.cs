using System.Text;
using Hyperion.Execution.StateTests;

namespace Hyperion.Evm.Tests.StateTests;

public class StateTestParserTests
{
    [Fact]
    public void ParsesEveryExampleFixture()
    {
        string dir = Fixtures.EthereumTests("GeneralStateTests", "stExample");
        string[] files = Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            IReadOnlyList<StateTest> tests = StateTestParser.ParseFile(file);
            Assert.NotEmpty(tests);
            foreach (StateTest test in tests)
            {
                Assert.NotEmpty(test.Pre);
                Assert.NotEmpty(test.Transaction.Data);
                foreach ((string _, IReadOnlyList<StateTestExpectation> cases) in test.Post)
                {
                    Assert.All(cases, c => Assert.InRange(c.Indexes.Data, 0, test.Transaction.Data.Count - 1));
                }
            }
        }
    }

    [Theory]
    [InlineData("0x", "")]
    [InlineData("0x00", "")]
    [InlineData("0x1", "01")]
    [InlineData("0x0186a0", "0186a0")]
    [InlineData("0x000100", "0100")]
    public void QuantitiesAreMinimalBigEndian(string hex, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(StateTestParser.ParseQuantity(hex)));

    [Theory]
    [InlineData("12")]
    [InlineData("0xzz")]
    [InlineData("0x1000000000000000000000000000000000000000000000000000000000000000000")]
    public void BadQuantitiesAreRejected(string hex) =>
        Assert.Throws<FormatException>(() => StateTestParser.ParseQuantity(hex));

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"t\": {\"env\": {}}}")]
    [InlineData("{\"t\": ")]
    public void MalformedFilesRaiseFormatException(string json) =>
        Assert.Throws<FormatException>(() => StateTestParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));
}
