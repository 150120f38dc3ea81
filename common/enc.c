/*
 * enc.c - base64.  See enc.h.
 */
#include "enc.h"

#include <limits.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int enc_b64_encode(const void *data, size_t len, char *out, size_t out_size)
{
	const uint8_t *in = data;
	size_t need = enc_b64_encoded_len(len);
	size_t o = 0;

	if (need >= out_size || need > INT_MAX)
		return -ERANGE;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t n = len - i;
		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = n > 2 ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int enc_b64_decode(const char *text, size_t len, void *out, size_t out_size)
{
	uint8_t *dst = out;
	size_t o = 0;
	uint32_t acc = 0;
	int nchars = 0, npad = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (is_space(c))
			continue;
		if (c == '=') {
			/* Padding only in the last two places of a group. */
			if (nchars < 2)
				return -EINVAL;
			npad++;
			acc <<= 6;
			nchars++;
		} else {
			int v = b64_value(c);
			if (v < 0 || npad > 0)
				return -EINVAL;
			acc = (acc << 6) | (uint32_t)v;
			nchars++;
		}
		if (nchars == 4) {
			size_t nbytes = 3 - (size_t)npad;
			if (o + nbytes > out_size)
				return -ERANGE;
			if (o + nbytes > INT_MAX)
				return -EINVAL;
			for (size_t k = 0; k < nbytes; k++)
				dst[o++] = (uint8_t)(acc >> (16 - 8 * k));
			acc = 0;
			nchars = 0;
			if (npad > 0) {
				/* Nothing but whitespace may follow padding. */
				for (size_t j = i + 1; j < len; j++)
					if (!is_space(text[j]))
						return -EINVAL;
				break;
			}
		}
	}
	if (nchars != 0)
		return -EINVAL;
	return (int)o;
}
