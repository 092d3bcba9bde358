namespace Realm.Engine.Tokenizers;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: a printable character for each byte, which is how Hugging Face
/// byte-level tokenizers spell byte tokens in tokenizer.json. Printable Latin-1 bytes stand for
/// themselves; the others (controls, space, ...) take the characters from U+0100 up, in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> s_charToByte =
        Enumerable.Range(0, 256).ToDictionary(b => s_byteToChar[b], b => (byte)b);

    public static char ToChar(byte b) => s_byteToChar[b];

    public static bool TryGetByte(char c, out byte b) => s_charToByte.TryGetValue(c, out b);

    private static char[] BuildByteToChar()
    {
        var result = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            result[b] = printable ? (char)b : (char)next++;
        }
        return result;
    }
}
