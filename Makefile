include images/image.mk
