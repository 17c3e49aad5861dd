/*
 * NNTP constants shared by every layer: limits from RFC 3977 and the reply
 * codes of RFC 3977, 4642, 4643, 4644, 6048 and 8054.  Pure header, no
 * functions.
 */
#ifndef LOOM_NNTP_H
#define LOOM_NNTP_H

/* RFC 3977 3.1: a command line is at most 512 octets including CRLF. */
#define NNTP_COMMAND_MAX	512
/* RFC 3977 3.6: a message-id is 3..250 octets including the angle brackets. */
#define NNTP_MSGID_MAX		250
/* Arguments a command may carry after its verb (and keyword). */
#define NNTP_ARGS_MAX		8
/* RFC 3977 6.1.1: article numbers are 1..2^31-1. */
#define NNTP_ARTNUM_MAX		2147483647UL

/* Reply codes: the constant names carry the number so a grep finds them. */
#define RPL_100_HELP		100
#define RPL_101_CAPABILITIES	101
#define RPL_111_DATE		111
#define RPL_200_POSTING_OK	200
#define RPL_201_NO_POSTING	201
#define RPL_203_STREAMING_OK	203
#define RPL_205_BYE		205
#define RPL_206_COMPRESS_OK	206
#define RPL_211_GROUP		211
#define RPL_215_LIST		215
#define RPL_220_ARTICLE		220
#define RPL_221_HEAD		221
#define RPL_222_BODY		222
#define RPL_223_STAT		223
#define RPL_224_OVER		224
#define RPL_225_HDR		225
#define RPL_230_NEWNEWS		230
#define RPL_231_NEWGROUPS	231
#define RPL_235_IHAVE_OK	235
#define RPL_238_CHECK_SEND	238
#define RPL_239_TAKETHIS_OK	239
#define RPL_240_POST_OK		240
#define RPL_281_AUTH_OK		281
#define RPL_335_IHAVE_SEND	335
#define RPL_340_POST_SEND	340
#define RPL_381_PASS_REQUIRED	381
#define RPL_382_TLS_GO		382
#define RPL_400_UNAVAILABLE	400
#define RPL_403_INTERNAL	403
#define RPL_411_NO_GROUP	411
#define RPL_412_NO_GROUP_SEL	412
#define RPL_420_NO_CURRENT	420
#define RPL_421_NO_NEXT		421
#define RPL_422_NO_PREV		422
#define RPL_423_NO_NUMBER	423
#define RPL_430_NO_MSGID	430
#define RPL_431_CHECK_LATER	431
#define RPL_435_IHAVE_UNWANTED	435
#define RPL_436_IHAVE_RETRY	436
#define RPL_437_IHAVE_REJECTED	437
#define RPL_438_CHECK_UNWANTED	438
#define RPL_439_TAKETHIS_REJECTED 439
#define RPL_440_NO_POSTING	440
#define RPL_441_POST_FAILED	441
#define RPL_480_AUTH_REQUIRED	480
#define RPL_481_AUTH_FAILED	481
#define RPL_482_AUTH_SEQUENCE	482
#define RPL_483_ENCRYPTION	483
#define RPL_500_UNKNOWN		500
#define RPL_501_SYNTAX		501
#define RPL_502_UNAVAILABLE	502
#define RPL_503_UNSUPPORTED	503
#define RPL_580_TLS_FAILED	580

#endif /* LOOM_NNTP_H */
